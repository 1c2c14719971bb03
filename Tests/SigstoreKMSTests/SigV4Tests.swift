import Foundation
import SigstoreKMS
import SigstoreTesting
import Testing

@Suite("AWS Signature Version 4")
struct SigV4Tests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    /// 2015-08-30T12:36:00Z, the time of AWS's published test suite.
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)

    /// Cases of AWS's SigV4 test suite (aws-sig-v4-test-suite: get-vanilla, post-vanilla,
    /// get-vanilla-query-order-key-case), credential scope us-east-1/service.
    @Test(
        "AWS's published test-suite signatures",
        arguments: [
            ("GET", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            ("POST", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
            ("GET", "Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ])
    func suite(method: String, query: String, signature: String) {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        let headers = signer.authorization(
            method: method, path: "/", query: query, headers: [("Host", "example.amazonaws.com")], body: [], date: Self.suiteDate)
        #expect(headers.first { $0.0 == "X-Amz-Date" }?.1 == "20150830T123600Z")
        #expect(
            headers.first { $0.0 == "Authorization" }?.1
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)")
    }

    @Test("a KMS request with a session token signs as botocore signs it", .enabled(if: Requirement.pythonModules("botocore").shouldRun))
    func botocore() throws {
        try Requirement.pythonModules("botocore").check()
        let body = #"{"KeyId":"alias/cosign","Message":"3q2+7w==","MessageType":"DIGEST","SigningAlgorithm":"ECDSA_SHA_256"}"#
        let program = """
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            req = AWSRequest(method="POST", url="https://kms.eu-west-1.amazonaws.com/", data=\(String(reflecting: body)).encode(),
                             headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.Sign"})
            SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session  token/with+chars"), "kms", "eu-west-1").add_auth(req)
            print(req.headers["X-Amz-Date"]); print(req.headers["Authorization"])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0 && lines.count == 2)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        let date = try #require(formatter.date(from: lines[0]) ?? DateFormatter.amz.date(from: lines[0]))
        var credentials = Self.credentials
        credentials.sessionToken = "session  token/with+chars"
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "kms")
        let headers = signer.authorization(
            method: "POST", path: "/",
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.Sign"), ("Host", "kms.eu-west-1.amazonaws.com")],
            body: Array(body.utf8), date: date)
        let ours = try #require(headers.first { $0.0 == "Authorization" }?.1)
        #expect(ours == lines[1])
        #expect(headers.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == "session  token/with+chars" })
    }
}

extension DateFormatter {
    static let amz: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f
    }()
}

@Suite("AWS credentials and region from the environment and the shared files")
struct AWSCredentialsTests {
    @Test("environment first, then the profile of ~/.aws/credentials and ~/.aws/config")
    func resolution() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=s2\naws_session_token = t2\n"
            .write(to: home.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try "[default]\nregion = eu-central-1\n[profile ci]\nregion=ap-south-1\n"
            .write(to: home.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
        let env = ["HOME": home.path]
        #expect(try AWSCredentials.resolve(environment: env).accessKeyID == "AKIDDEFAULT")
        #expect(try AWSCredentials.region(environment: env) == "eu-central-1")
        let ci = try AWSCredentials.resolve(environment: env.merging(["AWS_PROFILE": "ci"]) { $1 })
        #expect(ci.accessKeyID == "AKIDCI" && ci.sessionToken == "t2")
        #expect(try AWSCredentials.region(environment: env.merging(["AWS_PROFILE": "ci"]) { $1 }) == "ap-south-1")
        let explicit = try AWSCredentials.resolve(environment: env.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s3"]) { $1 })
        #expect(explicit.accessKeyID == "AKIDENV" && explicit.sessionToken == nil)
        #expect(try AWSCredentials.region(environment: env.merging(["AWS_DEFAULT_REGION": "us-west-2"]) { $1 }) == "us-west-2")
        #expect(!explicit.description.contains("s3"))
        #expect(throws: KMSError.self) { try AWSCredentials.resolve(environment: ["HOME": home.path, "AWS_PROFILE": "missing"]) }
    }
}
