import SigstoreCore

extension KeyFiles.KeyPair {
    /// Writes the pair the way cosign does: asks before overwriting existing files (unless `overwrite`), then the
    /// private key (0600) and the public key (0644), each atomically, with cosign's messages. Without consent nothing
    /// is written.
    public func write(prefix: String, overwrite: Bool, console: Console) throws {
        for path in ["\(prefix).key", "\(prefix).pub"] where !overwrite && FileSystem.exists(path) {
            console.warn("File \(path) already exists. Overwrite?")
            try console.confirmContinue()
            break
        }
        try FileSystem.writeAtomically(Array(privateKeyPEM.utf8), to: "\(prefix).key", mode: 0o600)
        console.info("Private key written to \(prefix).key")
        try FileSystem.writeAtomically(Array(publicKeyPEM.utf8), to: "\(prefix).pub", mode: 0o644)
        console.info("Public key written to \(prefix).pub")
    }
}
