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
}
