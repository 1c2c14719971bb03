import SigstoreCore
import SigstoreCrypto
import SigstoreVerify
import X509

/// `--certificate` and `--certificate-chain` on the signing commands: a certificate for the `--key` (from a private
/// CA, say) that travels with the signature in place of the bare key.
enum AttachedCertificate {
    /// cosign attaches a certificate to a key only: without `--key` (or with a Fulcio certificate requested) the
    /// flags are refused.
    static func checkFlags(key: String?, options: SigningOptions) throws {
        guard options.certificatePath != nil || options.certificateChainPath != nil else { return }
        if key == nil || options.issueCertificate {
            throw CosignError(.invalidInput, "--certificate and --certificate-chain attach a certificate to --key: pass --key, or sign keyless without them")
        }
        if options.certificatePath == nil {
            throw CosignError(.invalidInput, "--certificate-chain needs --certificate")
        }
    }

    /// The chain to attach (DER, leaf first), or nil without `--certificate`. The leaf must certify `publicKey`, and a
    /// given chain must be in order (each certificate issued and signed by the next, the root last).
    static func chain(_ options: SigningOptions, for publicKey: PublicKey) throws -> [[UInt8]]? {
        guard let path = options.certificatePath else {
            if options.certificateChainPath != nil { throw CosignError(.invalidInput, "--certificate-chain needs --certificate") }
            return nil
        }
        let leaf = try CertificateFiles.load(path, what: "--certificate")[0]
        let certified: [UInt8]
        do {
            certified = try SigningCertificate(der: leaf).publicKey().derRepresentation
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "--certificate \(path): \(error.message)", underlying: error)
        }
        guard certified == publicKey.derRepresentation else {
            throw CosignError(.invalidInput, "public key in certificate \(path) does not match the provided private key")
        }
        guard let chainPath = options.certificateChainPath else { return [leaf] }
        let chain = try CertificateFiles.load(chainPath, what: "--certificate-chain")
        try CertificateFiles.checkOrder([leaf] + chain, what: "--certificate-chain", verifySignatures: true)
        return [leaf] + chain
    }
}
