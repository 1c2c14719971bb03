internal import Foundation
internal import SigstoreModels
public import SigstoreCrypto
import SigstoreJSON
import SigstoreCore

/// Fulcio v2: exchanges an identity token and a public key (with a proof of possession) for a short-lived signing
/// certificate.
public struct FulcioClient: Sendable {
    /// Fulcio's base URL.
    public var baseURL: String
    let http: ServiceHTTP

    /// Creates a client.
    public init(baseURL: String, http: ServiceHTTP) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
    }

    /// `POST /api/v2/signingCert`. The proof of possession is `key`'s signature over the token's principal. Returns
    /// the chain as DER, leaf first; only embedded-SCT certificates are accepted (what bundles can carry).
    public func signingCertificate(token: IdentityToken, key: any Signer) async throws -> [[UInt8]] {
        let proof: [UInt8]
        do {
            proof = try await key.signature(forMessage: Array(token.principal.utf8))
        } catch {
            throw SigningError(.fulcio, "signing the proof of possession: \(error)")
        }
        let algorithm: String
        switch key.kind {
        case .ed25519: algorithm = "ED25519"
        case .rsa: algorithm = "RSA_PSS"
        default: algorithm = "ECDSA"
        }
        let data = OrderedJSON.object([
            ("credentials", .object([("oidcIdentityToken", .string(token.rawValue))])),
            (
                "publicKeyRequest",
                .object([
                    ("proofOfPossession", .base64(proof)),
                    ("publicKey", .object([("algorithm", .string(algorithm)), ("content", .string(key.publicKey.pemRepresentation))])),
                ])
            ),
        ]).serialized()
        let response = try await http.send(
            "POST", baseURL + "/api/v2/signingCert",
            headers: [("Content-Type", "application/json"), ("Accept", "application/json"), ("Authorization", "Bearer " + token.rawValue)],
            body: Array(data), service: "Fulcio")
        guard response.status == 200 || response.status == 201 else {
            throw SigningError(.fulcio, "Fulcio refused the certificate request (HTTP \(response.status)): \(response.serviceMessage)")
        }
        guard let answer = try? JSONDecoder().decode(SigningCertificateResponse.self, from: Data(response.body)) else {
            throw SigningError(.fulcio, "Fulcio's answer is not JSON")
        }
        guard let pems = answer.signedCertificateEmbeddedSct?.chain.certificates, !pems.isEmpty else {
            if answer.signedCertificateDetachedSct != nil {
                throw SigningError(.fulcio, "Fulcio returned a certificate with a detached SCT, which bundles cannot carry")
            }
            throw SigningError(.fulcio, "Fulcio's answer has no certificate chain (signedCertificateEmbeddedSct)")
        }
        var ders: [[UInt8]] = []
        for pem in pems {
            guard let blocks = try? PEMBlock.parseAll(pem), blocks.count == 1, blocks[0].label == "CERTIFICATE" else {
                throw SigningError(.fulcio, "Fulcio's certificate chain holds something that is not one PEM certificate")
            }
            ders.append(blocks[0].bytes)
        }
        return ders
    }

    /// The parts of Fulcio's `SigningCertificate` answer a signer reads.
    struct SigningCertificateResponse: Decodable {
        struct Chain: Decodable { var certificates: [String] }
        struct Embedded: Decodable { var chain: Chain }
        struct Detached: Decodable {}
        var signedCertificateEmbeddedSct: Embedded?
        var signedCertificateDetachedSct: Detached?
    }
}
