import Cosign
import Foundation
import SigstoreCore

extension SignatureStore.Options {
    /// The options cosign's environment sets: `COSIGN_REPOSITORY`, `COSIGN_DOCKER_MEDIA_TYPES` and
    /// `COSIGN_MAX_ATTACHMENT_SIZE`, with `--attachment-tag-prefix`.
    public init(environment: [String: String], tagPrefix: String = "") throws {
        self.init()
        self.tagPrefix = tagPrefix
        if let repository = environment["COSIGN_REPOSITORY"], !repository.isEmpty { repositoryOverride = repository }
        dockerMediaTypes = ["1", "true"].contains(environment["COSIGN_DOCKER_MEDIA_TYPES"]?.lowercased() ?? "")
        if let size = environment["COSIGN_MAX_ATTACHMENT_SIZE"], !size.isEmpty {
            guard let bytes = Self.parseSize(size) else {
                throw CosignError(.invalidInput, "invalid COSIGN_MAX_ATTACHMENT_SIZE \"\(size)\": expected a size such as 5120, 20K, 45MiB or 1GB")
            }
            maxAttachmentSize = bytes
        }
    }

    /// Parses a size as go-humanize does: a number with an optional SI (K, MB…) or IEC (KiB, MiB…) suffix.
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multipliers: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "ki": 1024, "kib": 1024, "mi": 1_048_576, "mib": 1_048_576, "gi": 1_073_741_824, "gib": 1_073_741_824,
            "ti": 1_099_511_627_776, "tib": 1_099_511_627_776,
        ]
        guard let multiplier = multipliers[unit] else { return nil }
        let bytes = value * multiplier
        guard bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }
}
