public import SigstoreCore

/// An error raised while parsing keys, signatures or digests, or while signing. Messages never contain key material.
public typealias SigstoreCryptoError = CodedError<SigstoreCryptoErrorCode>

/// The kinds of ``SigstoreCryptoError``.
public struct SigstoreCryptoErrorCode: NamedErrorCode {
    public let name: String
    /// Creates a code.
    public init(name: String) { self.name = name }
    /// The input is not PEM, or not the PEM block that was expected.
    public static let malformedPEM = Self(name: "malformedPEM")
    /// The key's encoding is not valid.
    public static let malformedKey = Self(name: "malformedKey")
    /// The key is well formed but of a type or size that is not supported.
    public static let unsupportedKey = Self(name: "unsupportedKey")
    /// The signature bytes cannot be a signature for this key.
    public static let malformedSignature = Self(name: "malformedSignature")
    /// The signature does not verify.
    public static let invalidSignature = Self(name: "invalidSignature")
    /// The signing operation itself failed.
    public static let signingFailed = Self(name: "signingFailed")
    /// Reading an artifact failed.
    public static let io = Self(name: "io")
    /// A digest string such as `sha256:<hex>` is malformed.
    public static let malformedDigest = Self(name: "malformedDigest")
}
