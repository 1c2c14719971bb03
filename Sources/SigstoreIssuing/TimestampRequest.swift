public import SigstoreCrypto
internal import SigstoreCore
internal import SwiftASN1

/// An RFC 3161 time-stamp request (`TimeStampReq`, RFC 3161 §2.4.1): the hash to time-stamp, an optional nonce, and
/// whether the token should carry the authority's certificate.
public struct TimestampRequest: Sendable, Hashable {
    /// The parsed request.
    var request: TimeStampReq

    /// The algorithm of ``hashedMessage``.
    public var hashAlgorithm: HashAlgorithm
    /// The hash of the data to time-stamp.
    public var hashedMessage: [UInt8] { request.messageImprint.hashedMessage }
    /// Whether the token should carry the authority's certificate.
    public var certificateRequested: Bool { request.certReq }

    /// A request for `hashedMessage`, with `NULL` digest parameters as sigstore's timestamp-authority writes them.
    ///
    /// - Throws: ``IssuingError`` when the hash has the wrong length for `algorithm`.
    public init(hashAlgorithm: HashAlgorithm, hashedMessage: [UInt8], nonce: Int64? = nil, certificateRequested: Bool) throws {
        guard hashedMessage.count == hashAlgorithm.byteCount else {
            throw IssuingError(
                .malformedRequest, "the hashed message has \(hashedMessage.count) bytes, not \(hashAlgorithm.byteCount)")
        }
        self.hashAlgorithm = hashAlgorithm
        request = TimeStampReq(
            messageImprint: MessageImprint(
                hashAlgorithm: .digest(hashAlgorithm, nullParameters: true), hashedMessage: hashedMessage),
            nonce: nonce.map(IntegerBytes.init), certReq: certificateRequested)
    }

    /// Parses a DER `TimeStampReq`. The imprint and nonce are kept as written, to be echoed into the token.
    ///
    /// - Throws: ``IssuingError`` for a malformed request, a hash other than SHA-256/384/512, a policy other than
    ///   Sigstore's, a nonce longer than 32 bytes, or extensions.
    public init(derEncoded bytes: [UInt8]) throws {
        do {
            request = try TimeStampReq(derEncoded: bytes)
        } catch {
            throw IssuingError(.malformedRequest, "not a DER TimeStampReq: \(error)")
        }
        guard request.version == 1 else { throw IssuingError(.malformedRequest, "version must be 1") }
        guard let algorithm = HashAlgorithm(oid: request.messageImprint.hashAlgorithm.algorithm) else {
            throw IssuingError(.unsupportedRequest, "messageImprint must name SHA-256, SHA-384 or SHA-512")
        }
        hashAlgorithm = algorithm
        let length = request.messageImprint.hashedMessage.count
        guard length == algorithm.byteCount else {
            throw IssuingError(.malformedRequest, "the hashed message has \(length) bytes, not \(algorithm.byteCount)")
        }
        if let policy = request.reqPolicy, policy != OID.sigstoreTimestampPolicy {
            throw IssuingError(.unsupportedRequest, "unsupported reqPolicy \(policy)")
        }
        if let nonce = request.nonce, nonce.contentBytes.count > 32 {
            throw IssuingError(.malformedRequest, "nonce too long")
        }
        guard !request.hasExtensions else { throw IssuingError(.unsupportedRequest, "extensions are not supported") }
    }

    /// The DER `TimeStampReq`.
    public var derRepresentation: [UInt8] {
        get throws { try DER.encoding(request) }
    }
}
