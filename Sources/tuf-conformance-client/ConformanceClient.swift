import SigstoreTUF

import Foundation
import SigstoreCore

/// The tuf-conformance client-under-test (`init`, `refresh`, `download`) over ``Updater``.
enum ConformanceClient {
    /// Runs one command and returns the exit status: 0 on full success, 1 on any failure.
    static func run(_ arguments: [String]) async -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(parsing: arguments)
        } catch {
            report("error: \(error)\n\(Arguments.usage)")
            return 1
        }
        do {
            switch parsed.command {
            case .initialize(let trustedRoot):
                try initialize(metadataDirectory: parsed.metadataDirectory, trustedRoot: trustedRoot)
            case .refresh:
                try await makeUpdater(parsed).refresh()
                report("refreshed metadata in \(parsed.metadataDirectory)")
            case .download:
                try await download(parsed)
            }
            return 0
        } catch {
            report("error: \(error)")
            return 1
        }
    }

    static func report(_ line: String) {
        FileHandle.standardError.write(Data("tuf-conformance-client: \(line)\n".utf8))
    }

    /// `init`: no requests; the root is copied as `root.json` and verified by the first refresh.
    private static func initialize(metadataDirectory: String, trustedRoot: String) throws {
        let source = URL(fileURLWithPath: trustedRoot)
        let attributes = try FileManager.default.attributesOfItem(atPath: source.path)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let limit = Updater.Limits().rootMaxLength
        guard size <= limit else { throw ClientError("\(trustedRoot) is larger than \(limit) bytes") }
        let bytes = try Data(contentsOf: source)
        let destination = URL(fileURLWithPath: metadataDirectory).appendingPathComponent("root.json")
        try bytes.write(to: destination, options: .atomic)
        report("initialized \(metadataDirectory) with \(trustedRoot)")
    }

    private static func makeUpdater(_ arguments: Arguments) throws -> Updater {
        guard let metadataURL = arguments.metadataURL.flatMap(URL.init(string:)) else {
            throw ClientError("invalid --metadata-url")
        }
        var targetsURL: URL?
        if let text = arguments.targetBaseURL {
            guard let url = URL(string: text) else { throw ClientError("invalid --target-base-url \(text)") }
            targetsURL = url
        }
        var configuration = Updater.Configuration(
            metadataDirectory: URL(fileURLWithPath: arguments.metadataDirectory, isDirectory: true),
            metadataBaseURL: metadataURL,
            targetsBaseURL: targetsURL
        )
        configuration.log = { report($0) }
        let fetcher: any Fetcher =
            metadataURL.isFileURL ? FileFetcher() : HTTPFetcher(userAgent: "tuf-conformance-client")
        return Updater(configuration: configuration, fetcher: fetcher)
    }

    /// `download`: an implicit refresh, then each target in order with one updater, stopping at the first failure.
    private static func download(_ arguments: Arguments) async throws {
        let updater = try makeUpdater(arguments)
        try await updater.refresh()
        let directory = URL(fileURLWithPath: arguments.targetDirectory ?? ".", isDirectory: true)
        for name in arguments.targetNames {
            guard let target = try await updater.targetInfo(for: name) else {
                throw TUFError(.targetNotFound, "target \(name) not found in the repository")
            }
            let file = directory.appendingPathComponent(target.localFileName, isDirectory: false)
            if updater.cachedTarget(target, at: file) != nil {
                report("\(name) is already in \(file.path) with matching hashes")
                continue
            }
            try await updater.download(target: target, to: file)
        }
    }
}

/// A failure of the client itself (not of TUF verification).
struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
