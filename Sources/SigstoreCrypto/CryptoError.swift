public import SigstoreCore

/// An error raised while parsing keys, signatures or digests, or while signing. Messages never contain key material.
public typealias SigstoreCryptoError = CodedError<SigstoreCryptoErrorCode>

/// The domain of ``SigstoreCryptoErrorCode``: keys, signatures and digests.
public enum SigstoreCryptoErrorDomain {}

/// The kinds of errors of the domain.
public typealias SigstoreCryptoErrorCode = ErrorName<SigstoreCryptoErrorDomain>

extension ErrorName where Domain == SigstoreCryptoErrorDomain {
    /// The input is not PEM, or not the PEM block that was expected.
    public static var malformedPEM: Self { Self(name: "malformedPEM") }
    /// The key's encoding is not valid.
    public static var malformedKey: Self { Self(name: "malformedKey") }
    /// The key is well formed but of a type or size that is not supported.
    public static var unsupportedKey: Self { Self(name: "unsupportedKey") }
    /// The signature bytes cannot be a signature for this key.
    public static var malformedSignature: Self { Self(name: "malformedSignature") }
    /// The signature does not verify.
    public static var invalidSignature: Self { Self(name: "invalidSignature") }
    /// The signing operation itself failed.
    public static var signingFailed: Self { Self(name: "signingFailed") }
    /// Reading an artifact failed.
    public static var io: Self { Self(name: "io") }
    /// A digest string such as `sha256:<hex>` is malformed.
    public static var malformedDigest: Self { Self(name: "malformedDigest") }
}
