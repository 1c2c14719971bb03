// swift-tools-version:6.2
import PackageDescription

/// `make test` (so CI) sets this: the project's own targets build without a single warning (dependencies are not
/// affected).
let warningsAsErrors = Context.environment["SWIFT_COSIGN_WARNINGS_AS_ERRORS"] == "1"

/// Settings every target of the package shares: Swift 6 language mode plus the upcoming features the house style
/// asks for.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
] + (warningsAsErrors ? [.treatAllWarnings(as: .error)] : [])

/// A product of a package that only the `Networking` trait brings in: AsyncHTTPClient, SwiftNIO, NIOSSL and
/// swift-argument-parser, what the clients of Sigstore's services, TUF repositories and registries and the command line
/// need. The trait is on by default; a dependent that only verifies sets `traits: []` and resolves none of them.
func networking(_ product: String, _ package: String) -> Target.Dependency {
    .product(name: product, package: package, condition: .when(traits: ["Networking"]))
}

let package = Package(
    name: "swift-cosign",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SigstoreCore", targets: ["SigstoreCore"]),
        .library(name: "SigstoreJSON", targets: ["SigstoreJSON"]),
        .library(name: "SigstoreCrypto", targets: ["SigstoreCrypto"]),
        .library(name: "SigstoreModels", targets: ["SigstoreModels"]),
        .library(name: "SigstoreVerify", targets: ["SigstoreVerify"]),
        // One import for verification: SigstoreVerify with the models, digests and errors it speaks in.
        .library(name: "Sigstore", targets: ["Sigstore"]),
        .library(name: "SigstoreIssuing", targets: ["SigstoreIssuing"]),
        .library(name: "SigstoreSign", targets: ["SigstoreSign"]),
        // One import for signing: SigstoreSign with everything of the Sigstore product.
        .library(name: "SigstoreSigning", targets: ["SigstoreSigning"]),
        .library(name: "SigstoreTUF", targets: ["SigstoreTUF"]),
        .library(name: "SigstoreKMS", targets: ["SigstoreKMS"]),
        .library(name: "SigstorePKCS11", targets: ["SigstorePKCS11"]),
        .library(name: "SigstoreTesting", targets: ["SigstoreTesting"]),
        .library(name: "OCIModels", targets: ["OCIModels"]),
        .library(name: "OCIRegistry", targets: ["OCIRegistry"]),
        .library(name: "RegistryTesting", targets: ["RegistryTesting"]),
        .library(name: "Cosign", targets: ["Cosign"]),
        .library(name: "CosignOCI", targets: ["CosignOCI"]),
        .library(name: "CosignCLI", targets: ["CosignCLI"]),
        .executable(name: "cosign", targets: ["cosign"]),
    ],
    traits: [
        .trait(
            name: "Networking",
            description: "Signing, TUF, registries, key services and the cosign command line: brings in AsyncHTTPClient, "
                + "SwiftNIO, NIOSSL and swift-argument-parser. Without it only the offline verifier (the Sigstore product and "
                + "what it re-exports) builds."),
        .default(enabledTraits: ["Networking"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        // libsodium from the system (Debian: libsodium-dev): NaCl secretbox for encrypted keys, and Ed25519ph.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // The bottom of the package: the one error model every module's error adopts, and bounded file I/O.
        .target(
            name: "SigstoreCore",
            swiftSettings: strictSettings
        ),
        // JSON: the byte-exact writer (`OrderedJSON`), the one-pass reader (`JSONParser`), Codable helpers, base64.
        .target(
            name: "SigstoreJSON",
            dependencies: ["SigstoreCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SigstoreModels",
            dependencies: ["SigstoreCore", "SigstoreJSON"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SigstoreCrypto",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),
        // The offline Sigstore verifier: trusted roots, certificates, SCTs, transparency-log proofs, RFC 3161.
        .target(
            name: "SigstoreVerify",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "SigstoreCrypto",
                "SigstoreModels",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        // The issuing side of Sigstore, for sigstore-local's services and VirtualSigstore alike: CA and Fulcio-profile
        // certificates with embedded SCTs, Rekor v1 signed entry timestamps, signed-note checkpoints, RFC 3161 tokens.
        .target(
            name: "SigstoreIssuing",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "SigstoreCrypto",
                "SigstoreModels",
                "SigstoreVerify",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        // The signing side of Sigstore: identity tokens (ambient, browser, device flow), Fulcio, Rekor v1/v2, RFC 3161
        // timestamps, signing configs, and a signer that checks what the services return.
        .target(
            name: "SigstoreSign",
            dependencies: [
                "_SigstoreHTTP",
                "SigstoreCore", "SigstoreJSON",
                "SigstoreCrypto",
                "SigstoreModels",
                "SigstoreVerify",
                networking("AsyncHTTPClient", "async-http-client"),
                networking("NIOCore", "swift-nio"),
                networking("NIOPosix", "swift-nio"),
                networking("NIOHTTP1", "swift-nio"),
                networking("NIOSSL", "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        // Keys held by key management services (AWS KMS, Vault/OpenBao transit, GCP Cloud KMS, Azure Key Vault): their
        // REST APIs (SigV4 for AWS) behind `ManagedKey`, and a `Signer` over them.
        .target(
            name: "SigstoreKMS",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "SigstoreCrypto", "SigstoreSign",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // PKCS#11 tokens: the module is loaded at run time (dlopen); only the standard's header (p11-kit's pkcs11.h) is
        // needed to build.
        .systemLibrary(
            name: "CPKCS11",
            providers: [.apt(["libp11-kit-dev"])]
        ),
        .target(
            name: "SigstorePKCS11",
            dependencies: [
                "CPKCS11", "SigstoreCore", "SigstoreCrypto", "SigstoreKMS",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // The one retrying HTTP exchange the registry client and the Sigstore service clients share.
        .target(
            name: "_SigstoreHTTP",
            dependencies: [
                networking("AsyncHTTPClient", "async-http-client"),
                networking("NIOCore", "swift-nio"),
                networking("NIOHTTP1", "swift-nio"),
                networking("NIOSSL", "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // The TUF client (spec 1.0: root rotation, rollback/freeze/mix-and-match protection, delegations, consistent
        // snapshots) with HTTP and file:/// fetchers, and a repository writer for self-hosted trust.
        .target(
            name: "SigstoreTUF",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "_SigstoreHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                networking("AsyncHTTPClient", "async-http-client"),
                networking("NIOSSL", "swift-nio-ssl"),
                networking("NIOCore", "swift-nio"),
                networking("NIOHTTP1", "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The tuf-conformance client-under-test CLI over SigstoreTUF (scripts/tuf-conformance.sh runs the suite).
        .executableTarget(
            name: "tuf-conformance-client",
            dependencies: ["SigstoreTUF", "SigstoreCore"],
            swiftSettings: strictSettings
        ),
        // OCI image references, manifests and indexes (no I/O).
        .target(
            name: "OCIModels",
            dependencies: ["SigstoreCore", "SigstoreJSON"],
            swiftSettings: strictSettings
        ),
        // The OCI distribution client (AsyncHTTPClient): manifests, blobs, tags, referrers, authentication, retries.
        .target(
            name: "OCIRegistry",
            dependencies: [
                "_SigstoreHTTP",
                "SigstoreCore", "SigstoreJSON",
                "OCIModels",
                networking("AsyncHTTPClient", "async-http-client"),
                networking("NIOCore", "swift-nio"),
                networking("NIOHTTP1", "swift-nio"),
                networking("NIOSSL", "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // An in-memory Sigstore (CA, CT log, transparency log, TSA) that issues valid bundles at a chosen time, and the
        // `Requirement` tests state their tools and vectors with.
        .target(
            name: "SigstoreTesting",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "SigstoreCrypto",
                "SigstoreModels",
                "SigstoreVerify",
                "SigstoreIssuing",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        // Test support: docker-registry in four modes, a token server, a fault-injecting proxy, test images.
        .target(
            name: "RegistryTesting",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "OCIModels", "OCIRegistry", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["token_server.py", "fault_proxy.py"],
            swiftSettings: strictSettings
        ),
        // Test support: the managed-key services on loopback (moto for AWS KMS, OpenBao for Vault transit, SoftHSM2).
        .target(
            name: "KeyServiceTesting",
            dependencies: ["RegistryTesting", "SigstoreTesting"],
            exclude: ["moto_kms.py", "throttling_kms.py", "cloud_kms_fakes.py"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Cosign",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "CSodium",
                "SigstoreSign",
                "SigstoreTUF",
                "SigstoreKMS",
                "SigstorePKCS11",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                "SigstoreVerify",
                "SigstoreCrypto",
                "SigstoreModels",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // cosign's signatures on images: storage layouts (legacy tags, bundle referrers), signing, discovery, verification.
        .target(
            name: "CosignOCI",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "Cosign",
                "OCIModels",
                "OCIRegistry",
                "SigstoreCrypto",
                "SigstoreModels",
                "SigstoreVerify",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CosignCLI",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "Cosign",
                "CosignOCI",
                "SigstoreSign",
                "SigstoreVerify",
                "OCIModels",
                "OCIRegistry",
                "SigstoreCrypto",
                "SigstoreModels",
                networking("ArgumentParser", "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // The umbrella of verification (see the "Sigstore" product).
        .target(
            name: "Sigstore",
            dependencies: ["SigstoreCore", "SigstoreCrypto", "SigstoreModels", "SigstoreVerify"],
            swiftSettings: strictSettings
        ),
        // The umbrella of signing (see the "SigstoreSigning" product).
        .target(
            name: "SigstoreSigning",
            dependencies: ["Sigstore", "SigstoreSign", "SigstoreTUF", "SigstoreCore", "SigstoreModels", "SigstoreVerify"],
            swiftSettings: strictSettings
        ),
        // The signing example, built with the package and run by LibraryDefaultsTests.
        .executableTarget(
            name: "sign-blob-example",
            dependencies: ["SigstoreSigning"],
            path: "Examples/sign-blob",
            swiftSettings: strictSettings
        ),
        // Signing and verifying an image in a registry with a key pair, run by LibraryDefaultsTests.
        .executableTarget(
            name: "sign-verify-image-example",
            dependencies: ["Cosign", "CosignOCI", "OCIModels", "OCIRegistry", "SigstoreCrypto"],
            path: "Examples/sign-verify-image",
            swiftSettings: strictSettings
        ),
        // Keyless signing against sigstore-local through its TUF repository, run by the Services tests.
        .executableTarget(
            name: "sigstore-local-example",
            dependencies: ["SigstoreSigning"],
            path: "Examples/sigstore-local",
            swiftSettings: strictSettings
        ),
        // The README's library example, built with the package and run by LibraryDefaultsTests.
        .executableTarget(
            name: "verify-bundle-example",
            dependencies: ["Sigstore"],
            path: "Examples/verify-bundle",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "cosign",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "CosignCLI"],
            swiftSettings: strictSettings
        ),
        // In-process verification throughput (bench/run.sh).
        .executableTarget(
            name: "verify-throughput",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "SigstoreVerify", "SigstoreCrypto", "SigstoreModels"],
            path: "bench/Sources/verify-throughput",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreCoreTests",
            dependencies: ["SigstoreCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreJSONTests",
            dependencies: ["SigstoreCore", "SigstoreJSON", "SigstoreModels", "SigstoreTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreTUFTests",
            dependencies: ["SigstoreTUF", "SigstoreCore", "SigstoreJSON", "SigstoreTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreSignTests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "SigstoreSign", "SigstoreCrypto", "SigstoreModels", "SigstoreVerify", "SigstoreSigning", "SigstoreTUF",
                "SigstoreTesting", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreCryptoTests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "SigstoreCrypto", .product(name: "SwiftASN1", package: "swift-asn1")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreModelsTests",
            dependencies: ["SigstoreCore", "SigstoreJSON", "SigstoreModels", "SigstoreTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreIssuingTests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "SigstoreCrypto", "SigstoreModels", "SigstoreVerify", "SigstoreIssuing",
                "SigstoreTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CosignTests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "Cosign", "SigstoreCrypto", "SigstoreModels", "SigstoreTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreVerifyTests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "SigstoreVerify", "SigstoreTesting", "SigstoreCrypto", "SigstoreModels", "Sigstore",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OCIRegistryTests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON", "OCIRegistry", "OCIModels", "RegistryTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigstoreKMSTests",
            dependencies: ["SigstoreKMS", "SigstorePKCS11", "SigstoreTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CosignCLITests",
            dependencies: [
                "SigstoreCore", "SigstoreJSON",
                "CosignCLI", "Cosign", "CosignOCI", "SigstoreCrypto", "SigstoreModels", "SigstoreTesting", "OCIModels", "OCIRegistry",
                "RegistryTesting", "KeyServiceTesting", "SigstoreKMS", "SigstorePKCS11",
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
