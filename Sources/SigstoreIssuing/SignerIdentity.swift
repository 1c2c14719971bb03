/// The identity a code-signing certificate is issued to: its subject alternative name.
public enum SignerIdentity: Sendable, Hashable {
    /// An email address (rfc822Name SAN).
    case email(String)
    /// A URI (URI SAN): CI workloads, SPIFFE IDs, URI subjects.
    case uri(String)
    /// A username at a domain, `user!domain` (Fulcio's OtherName SAN `1.3.6.1.4.1.57264.1.7`, critical, for its
    /// `username` issuers).
    case username(String)
}
