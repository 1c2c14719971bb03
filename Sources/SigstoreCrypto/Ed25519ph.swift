internal import CSodium
internal import Crypto
internal import SigstoreCore
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Ed25519ph (RFC 8032 §5.1 with an empty context): Ed25519 over the SHA-512 digest of the message. cosign signs
/// with it when an Ed25519 key's signature goes to a transparency log, because a hashedrekord entry records a digest,
/// and Rekor checks the signature against that digest.
///
/// Signing and checking a message use libsodium's multi-part API (`crypto_sign_ed25519ph_*`). libsodium has no call
/// that takes the digest itself, so ``isValidSignature(_:sha512Digest:publicKey:)`` (what a log does, and what a
/// verifier given only digests does) evaluates RFC 8032's check `[S]B = R + [k]A` with libsodium's group operations,
/// with the same refusals libsodium's own verifier makes (non-canonical S, small-order R or A) plus a prime-order
/// subgroup check on both points.
public enum Ed25519ph {
    /// `dom2(1, "")`: the prefix RFC 8032 hashes before R, A and the digest.
    static let dom2: [UInt8] = Array("SigEd25519 no Ed25519 collisions".utf8) + [1, 0]

    /// Signs `message` with the key whose 32-byte seed is `seed`.
    public static func signature(seed: [UInt8], message: some DataProtocol) throws -> [UInt8] {
        guard sodium_init() >= 0 else { throw SigstoreCryptoError(.signingFailed, "libsodium failed to initialise") }
        var publicKey = [UInt8](repeating: 0, count: 32)
        var secretKey = [UInt8](repeating: 0, count: 64)
        defer { sodium_memzero(&secretKey, secretKey.count) }
        guard seed.count == 32, crypto_sign_ed25519_seed_keypair(&publicKey, &secretKey, seed) == 0 else { throw SigstoreCryptoError(.malformedKey, "an Ed25519 seed has 32 bytes") }
        var state = crypto_sign_ed25519ph_state()
        defer { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }
        crypto_sign_ed25519ph_init(&state)
        update(&state, message)
        var signature = [UInt8](repeating: 0, count: 64)
        guard crypto_sign_ed25519ph_final_create(&state, &signature, nil, secretKey) == 0 else {
            throw SigstoreCryptoError(.signingFailed, "Ed25519ph signing failed")
        }
        return signature
    }

    /// Whether `signature` is an Ed25519ph signature by `publicKey` (32 bytes) over `message`.
    public static func isValidSignature(_ signature: [UInt8], message: some DataProtocol, publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32, sodium_init() >= 0 else { return false }
        var state = crypto_sign_ed25519ph_state()
        crypto_sign_ed25519ph_init(&state)
        update(&state, message)
        return crypto_sign_ed25519ph_final_verify(&state, signature, publicKey) == 0
    }

    /// Whether `signature` is an Ed25519ph signature by `publicKey` (32 bytes) over the message whose SHA-512 digest
    /// is `sha512Digest`.
    public static func isValidSignature(_ signature: [UInt8], sha512Digest: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32, sha512Digest.count == 64, sodium_init() >= 0 else { return false }
        let r = Array(signature[0..<32])
        let s = Array(signature[32..<64])
        // S must be below the group order: reducing it must change nothing.
        var wide = s + [UInt8](repeating: 0, count: 32)
        var reduced = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&reduced, &wide)
        guard reduced == s else { return false }
        // R and A: canonical encodings of points of the prime-order subgroup, not of small order.
        guard crypto_core_ed25519_is_valid_point(r) == 1, crypto_core_ed25519_is_valid_point(publicKey) == 1 else { return false }
        // k = SHA-512(dom2 || R || A || PH(M)) mod L.
        var hasher = SHA512()
        hasher.update(data: dom2)
        hasher.update(data: r)
        hasher.update(data: publicKey)
        hasher.update(data: sha512Digest)
        var kWide = Array(hasher.finalize())
        var k = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&k, &kWide)
        // [S]B and R + [k]A, compared as encodings (canonical for points of the group).
        var sB = [UInt8](repeating: 0, count: 32)
        var kA = [UInt8](repeating: 0, count: 32)
        var sum = [UInt8](repeating: 0, count: 32)
        guard crypto_scalarmult_ed25519_base_noclamp(&sB, s) == 0,
            crypto_scalarmult_ed25519_noclamp(&kA, k, publicKey) == 0,
            crypto_core_ed25519_add(&sum, r, kA) == 0
        else { return false }
        return sodium_memcmp(sum, sB, 32) == 0
    }

    private static func update(_ state: inout crypto_sign_ed25519ph_state, _ message: some DataProtocol) {
        for region in message.regions {
            region.withUnsafeBytes { raw in
                _ = crypto_sign_ed25519ph_update(&state, raw.bindMemory(to: UInt8.self).baseAddress, UInt64(raw.count))
            }
        }
    }
}
