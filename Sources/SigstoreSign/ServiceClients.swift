public import SigstoreCrypto

/// A transparency log a signer writes to: Rekor v1 or v2 over HTTP (``RekorClient``), or a stand-in in tests.
public protocol TransparencyLogClient: Sendable {
    /// The log's major API version (1 or 2): what the verifier expects of its entries.
    var apiVersion: Int { get }
    /// Logs `proposal` and returns the entry the bundle carries.
    func upload(_ proposal: LogProposal) async throws -> LoggedEntry
}

/// An RFC 3161 timestamp authority: ``TimestampClient`` over HTTP, or a stand-in in tests.
public protocol TimestampAuthorityClient: Sendable {
    /// A DER timestamp token over `signature`.
    func timestamp(signature: [UInt8]) async throws -> [UInt8]
}

/// A certificate authority that certifies an ephemeral key for an identity: Fulcio (``FulcioClient``), or a stand-in.
public protocol CertificateAuthorityClient: Sendable {
    /// The certificate chain (leaf first, DER) for `key`, proving possession of it for `token`'s identity.
    func signingCertificate(token: IdentityToken, key: any Signer) async throws -> [[UInt8]]
}

extension RekorClient: TransparencyLogClient {}
extension TimestampClient: TimestampAuthorityClient {}
extension FulcioClient: CertificateAuthorityClient {}
