import Foundation
import SigstoreTesting

/// python-tuf's ngclient (PyPI `tuf`, 7.x), to check that written repositories are accepted by the reference client.
/// Found at `$TUF_PYTHON`, else `/tmp/tufc-venv/bin/python` (the venv `scripts/tuf-conformance.sh` creates), else the
/// system `python3` when it imports `tuf.ngclient` (sigstore-python, which `scripts/setup.sh` installs, depends on it).
enum PythonTUF {
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["TUF_PYTHON"], "/tmp/tufc-venv/bin/python"].compactMap {
            $0
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        for system in ["/usr/local/bin/python3", "/usr/bin/python3"] + pathPythons() where FileManager.default.isExecutableFile(atPath: system) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: system)
            probe.arguments = ["-c", "import tuf.ngclient"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { continue }
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return system }
        }
        return nil
    }()

    private static func pathPythons() -> [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
    }

    static var available: Bool { python != nil }

    private static let script = """
        import hashlib, json, sys
        from tuf.ngclient import Updater
        metadata_dir, metadata_url, target_dir, target_url, root = sys.argv[1:6]
        with open(root, "rb") as f:
            bootstrap = f.read()
        updater = Updater(metadata_dir, metadata_url, target_dir, target_url, bootstrap=bootstrap)
        updater.refresh()
        found = {}
        for name in sys.argv[6:]:
            info = updater.get_targetinfo(name)
            if info is None:
                found[name] = None
                continue
            path = updater.find_cached_target(info) or updater.download_target(info)
            with open(path, "rb") as f:
                found[name] = hashlib.sha256(f.read()).hexdigest()
        print(json.dumps(found))
        """

    /// Refreshes from `metadataURL` with python-tuf (bootstrapped with `root`) and downloads `targets`.
    /// - Returns: The sha256 of each target downloaded, nil for those python-tuf did not find.
    static func download(
        metadataURL: URL,
        targetsURL: URL,
        root: URL,
        targets: [String],
        workDirectory: URL
    ) async throws -> [String: String?] {
        guard let python else { throw ServerError("no python-tuf") }
        let metadata = workDirectory.appendingPathComponent("python-metadata", isDirectory: true)
        let downloads = workDirectory.appendingPathComponent("python-targets", isDirectory: true)
        try FileManager.default.createDirectory(at: metadata, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments =
            [
                "-c", script, metadata.path, metadataURL.absoluteString, downloads.path, targetsURL.absoluteString,
                root.path,
            ]
            + targets
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else { throw ServerError("python-tuf failed (\(status)): \(stderr)") }
        guard let object = try JSONSerialization.jsonObject(with: stdout) as? [String: Any] else {
            throw ServerError("unexpected python-tuf output")
        }
        return object.mapValues { $0 as? String }
    }
}
