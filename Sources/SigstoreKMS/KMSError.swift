public import SigstoreCore

/// Why a managed key (KMS or PKCS#11 token) could not be used. Messages name the provider, the key and what went
/// wrong, never a credential, token or PIN.
public typealias KMSError = CodedError<KMSErrorCode>

/// The kinds of ``KMSError``.
public enum KMSErrorCode: String, ErrorCode {
    /// The key reference does not follow the provider's grammar.
    case malformedReference
    /// No credentials, or the provider refused them.
    case authentication
    /// The provider has no such key (or key version).
    case notFound
    /// The key cannot sign, or its algorithm is not one cosign signs with.
    case unsupportedKey
    /// The provider could not be reached, or kept throttling or failing after the retries.
    case unavailable
    /// The provider answered with an error or something that does not parse.
    case provider

    public var description: String { rawValue }
}
