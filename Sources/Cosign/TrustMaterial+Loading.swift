public import SigstoreVerify
import SigstoreCore
import SigstoreModels

extension TrustMaterial {
    /// Reads a trusted root file (`--trusted-root`); errors name the file.
    public static func load(_ path: String) throws -> TrustMaterial {
        let bytes = try FileSystem.readFile(path, limit: Limits.maxDocumentBytes)
        do {
            return try TrustMaterial(jsonData: bytes)
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "trusted root \(path): \(error.message)", underlying: error)
        }
    }

    /// The trust material for a verification: the file at `path`; with no path, empty material when only a key is
    /// trusted and the log is ignored (`keyOnly`), otherwise an error.
    public static func load(_ path: String?, keyOnly: Bool) throws -> TrustMaterial {
        if let path { return try load(path) }
        if keyOnly { return TrustMaterial() }
        throw CosignError(
            .unsupported,
            "verifying transparency log entries and certificates needs a trusted root: pass --trusted-root (fetching the public-good root over TUF is not supported yet)")
    }
}
