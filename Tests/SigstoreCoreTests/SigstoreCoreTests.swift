import Foundation
import SigstoreCore
import Testing

@Suite("the error model")
struct ErrorModelTests {
    struct Code: NamedErrorCode {
        let name: String
        static let first = Self(name: "first")
        static let second = Self(name: "second")
    }

    enum Exiting: String, ErrorCode {
        case special
        var description: String { rawValue }
        var exitStatus: Int32 { 12 }
        func summary(of message: String) -> String { "special: \(message)" }
    }

    @Test("equality is by code; the message, cause and place are kept")
    func equality() {
        let cause = CodedError(Code.second, "inner")
        let error = CodedError(Code.first, "outer", underlying: cause)
        #expect(error == CodedError(Code.first, "something else"))
        #expect(error != CodedError(Code.second, "outer"))
        #expect((error.underlying as? CodedError<Code>)?.message == "inner")
        #expect(error.file.hasSuffix("SigstoreCoreTests.swift"))
        #expect(error.line > 0)
    }

    @Test("any error reports itself: summary, exit status, context, localizedDescription")
    func reporting() {
        let plain: any ReportableError = CodedError(Code.first, "read x: no such file")
        #expect(plain.summary == "read x: no such file")
        #expect(plain.exitStatus == 1)
        #expect(plain.adding(context: "signing a.txt").summary == "signing a.txt: read x: no such file")
        #expect(plain.localizedDescription == "read x: no such file")
        let special: any ReportableError = CodedError(Exiting.special, "m")
        #expect(special.summary == "special: m")
        #expect(special.exitStatus == 12)
        #expect("\(CodedError(Code.second, "described"))" == "described")
    }
}

@Suite("Go durations")
struct GoDurationTests {
    @Test("durations Go's time.ParseDuration accepts", arguments: [
        ("0", 0), ("3m0s", 180_000), ("90s", 90_000), ("1h30m", 5_400_000), ("500ms", 500), ("1.5s", 1_500), ("2h", 7_200_000),
        ("1m30.5s", 90_500), ("100us", 0), ("1000000ns", 1), ("1µs", 0),
    ] as [(String, Int64)])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(GoDuration.parse(text) == .milliseconds(milliseconds), "\(text)")
    }

    @Test("what it refuses", arguments: ["", "3", "m", "1x", "1.s.s", "-", "s1", "1m 2s"])
    func refuses(_ text: String) {
        #expect(GoDuration.parse(text) == nil, "\(text)")
    }
}

@Suite("bounded files")
struct FileSystemTests {
    let directory = NSTemporaryDirectory() + "sigstore-core-\(UUID().uuidString)"

    @Test("atomic writes get their mode and replace the file whole; reads are bounded")
    func atomicWrites() throws {
        try FileSystem.makeDirectory(directory + "/a/b", mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/a/b/key"
        try FileSystem.writeAtomically(Array("secret".utf8), to: path, mode: 0o600)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try FileSystem.writeAtomically(Array("second".utf8), to: path, mode: 0o600)
        #expect(try FileSystem.readText(path) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/a/b") == ["key"])
        #expect(throws: FileError(.io, "")) { try FileSystem.readFile(path, limit: 3) }
        #expect {
            try FileSystem.readFile(directory + "/a")
        } throws: { error in
            (error as? FileError)?.message == "read \(directory)/a: is a directory"
        }
        #expect {
            try FileSystem.readFile(directory + "/missing")
        } throws: { error in
            (error as? FileError)?.message == "open \(directory)/missing: no such file or directory"
        }
        // A write into a directory that does not exist fails and leaves nothing behind.
        #expect(throws: FileError.self) { try FileSystem.writeAtomically([1], to: directory + "/nope/x", mode: 0o600) }
    }
}
