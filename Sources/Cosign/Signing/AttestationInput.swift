public import Foundation
import SigstoreCore
import SigstoreJSON
public import SigstoreSign

/// What an attestation signs: a predicate (`--predicate` and `--type`), or a statement built elsewhere
/// (`--statement`), read from a file or standard input (`-`).
public struct AttestationInput: Sendable {
    /// The largest predicate accepted: its statement, base64-encoded in a bundle, must stay under the 128 MiB
    /// document limit every reader applies.
    public static let maxPredicateBytes = 90 << 20

    /// `--predicate`.
    public var predicate: String?
    /// `--statement`.
    public var statement: String?
    /// `--type`: a short name (`slsaprovenance1`, `spdxjson`, …), `custom`, or a URI.
    public var type = "custom"

    /// Creates an input.
    public init(predicate: String? = nil, statement: String? = nil, type: String = "custom") {
        self.predicate = predicate
        self.statement = statement
        self.type = type
    }

    /// Reads a predicate or statement file (`-` is standard input), with the size limit.
    public static func read(_ path: String, console: Console) throws -> [UInt8] {
        if path == "-" {
            let bytes = console.stdin.readAll()
            guard bytes.count <= maxPredicateBytes else {
                throw CosignError(.invalidInput, "standard input is larger than the \(maxPredicateBytes)-byte predicate limit")
            }
            return bytes
        }
        // Room for the statement's header, which AttestationStatement puts in front of the predicate in this buffer.
        return try FileSystem.readFile(path, limit: maxPredicateBytes, extraCapacity: 4096)
    }

    /// The statement for `predicate` (read from `path`) over one subject; errors name the predicate file.
    public func statement(
        predicate: consuming [UInt8], path: String, subjectName: String, sha256: String, time: Date, validateType: Bool
    ) throws -> [UInt8] {
        do {
            return try AttestationStatement.generate(
                predicate: consume predicate, type: type, subjectName: subjectName, sha256: sha256, time: time, validateType: validateType)
        } catch let error as CosignError where error.code == .invalidInput {
            throw CosignError(.invalidInput, "invalid predicate \(path == "-" ? "from standard input" : path): \(error.message)")
        }
    }

    /// With a legacy `--bundle`: cosign's `LocalSignedPayload` for an attestation (base64 of the envelope JSON, the
    /// certificate or public key, the Rekor bundle when logged).
    public static func writeLegacyBundle(
        _ path: String?, envelopeJSON: [UInt8], signed: SignedContent, console: Console
    ) throws {
        guard let path else { return }
        var local = signed.legacyPayload()
        local.base64Signature = Base64.encode(envelopeJSON)
        try FileSystem.writeAtomically(local.jsonData(), to: path, mode: 0o600)
        console.info("Wrote bundle to file \(path)")
    }
}
