/// The identity a code-signing certificate is issued to: its subject alternative name.
public enum SignerIdentity: Sendable, Hashable {
    /// An email address (rfc822Name SAN).
    case email(String)
    /// A URI (URI SAN): CI workloads, SPIFFE IDs, URI subjects.
    case uri(String)
}
