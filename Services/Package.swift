// swift-tools-version:6.2
import PackageDescription

/// The local Sigstore stack: Fulcio, Rekor v1 and v2, a timestamp authority and a development OIDC issuer, served by
/// `sigstore-local`. A package of its own so that Hummingbird, the database drivers and the JWT library stay out of
/// the dependency graph of swift-cosign's libraries.
/// `make test` (so CI) sets this: the package's own targets build without a single warning.
let warningsAsErrors = Context.environment["SWIFT_COSIGN_WARNINGS_AS_ERRORS"] == "1"

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
] + (warningsAsErrors ? [.treatAllWarnings(as: .error)] : [])

let package = Package(
    name: "sigstore-local",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "LocalSigstore", targets: ["LocalSigstore"]),
        .executable(name: "sigstore-local", targets: ["sigstore-local"]),
    ],
    dependencies: [
        .package(name: "swift-cosign", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // An append-only RFC 6962 Merkle tree with durable storage (SQLite or PostgreSQL) and batched integration.
        .target(
            name: "TransparencyLog",
            dependencies: [
                .product(name: "SigstoreVerify", package: "swift-cosign"),
                .product(name: "SigstoreCore", package: "swift-cosign"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The services: Fulcio v2, Rekor v1, Rekor v2, RFC 3161 TSA, development OIDC issuer, trust material and the TUF
        // repository that publishes it.
        .target(
            name: "LocalSigstore",
            dependencies: [
                "TransparencyLog",
                .product(name: "SigstoreCore", package: "swift-cosign"),
                .product(name: "SigstoreJSON", package: "swift-cosign"),
                .product(name: "SigstoreCrypto", package: "swift-cosign"),
                .product(name: "SigstoreModels", package: "swift-cosign"),
                .product(name: "SigstoreVerify", package: "swift-cosign"),
                .product(name: "SigstoreIssuing", package: "swift-cosign"),
                .product(name: "SigstoreTUF", package: "swift-cosign"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sigstore-local",
            dependencies: [
                "LocalSigstore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Fills a stopped instance's Rekor v1 log with many entries (bench/explorer-search.sh).
        .executableTarget(
            name: "log-fill",
            dependencies: [
                "LocalSigstore", "TransparencyLog",
                .product(name: "SigstoreCrypto", package: "swift-cosign"),
                .product(name: "SigstoreIssuing", package: "swift-cosign"),
                .product(name: "SigstoreJSON", package: "swift-cosign"),
                .product(name: "SigstoreVerify", package: "swift-cosign"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // Appends per second against a running Rekor v1 or v2 (bench/sigstore-local.sh).
        .executableTarget(
            name: "log-append-bench",
            dependencies: [
                .product(name: "SigstoreCore", package: "swift-cosign"),
                .product(name: "SigstoreJSON", package: "swift-cosign"),
                .product(name: "SigstoreCrypto", package: "swift-cosign"),
                .product(name: "SigstoreModels", package: "swift-cosign"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LocalSigstoreTests",
            dependencies: [
                "LocalSigstore", "TransparencyLog",
                .product(name: "SigstoreCore", package: "swift-cosign"),
                .product(name: "SigstoreJSON", package: "swift-cosign"),
                .product(name: "SigstoreIssuing", package: "swift-cosign"),
                .product(name: "SigstoreTesting", package: "swift-cosign"),
                .product(name: "SigstoreVerify", package: "swift-cosign"),
                .product(name: "SigstoreTUF", package: "swift-cosign"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SigstoreModels", package: "swift-cosign"),
                .product(name: "SigstoreCrypto", package: "swift-cosign"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "RegistryTesting", package: "swift-cosign"),
                .product(name: "OCIRegistry", package: "swift-cosign"),
                .product(name: "OCIModels", package: "swift-cosign"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
