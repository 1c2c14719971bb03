/// The command line of the tuf-conformance client-under-test protocol (`CLIENT-CLI.md`), parsed by hand: options may
/// come anywhere, in `--name value` or `--name=value` form; the command word and, for `init`, the root file are the
/// positional arguments.
struct Arguments: Equatable {
    enum Command: Equatable {
        case initialize(trustedRoot: String)
        case refresh
        case download
    }

    var command: Command
    var metadataDirectory: String
    var metadataURL: String?
    var targetNames: [String] = []
    var targetDirectory: String?
    var targetBaseURL: String?

    static let usage = """
        usage: tuf-conformance-client --metadata-dir DIR init TRUSTED_ROOT
               tuf-conformance-client --metadata-url URL --metadata-dir DIR refresh
               tuf-conformance-client --metadata-url URL --metadata-dir DIR --target-name PATH \\
                   [--target-name PATH ...] --target-dir DIR --target-base-url URL download
        """

    /// A problem with the command line, reported with the usage text.
    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init(parsing arguments: [String]) throws {
        var options: [String: [String]] = [:]
        var positional: [String] = []
        let known: Set<String> = [
            "--metadata-dir", "--metadata-url", "--target-name", "--target-dir", "--target-base-url",
        ]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                positional.append(contentsOf: arguments[index...])
                break
            }
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            let name: String
            let value: String
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
                guard index < arguments.count else { throw UsageError(description: "option \(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            guard known.contains(name) else { throw UsageError(description: "unknown option \(name)") }
            options[name, default: []].append(value)
        }
        func single(_ name: String) throws -> String? {
            guard let values = options[name] else { return nil }
            guard values.count == 1 else { throw UsageError(description: "option \(name) given more than once") }
            return values[0]
        }
        guard let word = positional.first else { throw UsageError(description: "missing command") }
        switch word {
        case "init":
            guard positional.count == 2 else {
                throw UsageError(description: "init takes exactly one trusted root file")
            }
            command = .initialize(trustedRoot: positional[1])
        case "refresh", "download":
            guard positional.count == 1 else {
                throw UsageError(description: "unexpected argument \(positional[1]) after \(word)")
            }
            command = word == "refresh" ? .refresh : .download
        default:
            throw UsageError(description: "unknown command \(word)")
        }
        guard let directory = try single("--metadata-dir") else {
            throw UsageError(description: "--metadata-dir is required")
        }
        metadataDirectory = directory
        metadataURL = try single("--metadata-url")
        targetNames = options["--target-name"] ?? []
        targetDirectory = try single("--target-dir")
        targetBaseURL = try single("--target-base-url")
        switch command {
        case .initialize:
            break
        case .refresh:
            guard metadataURL != nil else { throw UsageError(description: "refresh needs --metadata-url") }
        case .download:
            guard metadataURL != nil, targetDirectory != nil, targetBaseURL != nil, !targetNames.isEmpty else {
                throw UsageError(
                    description: "download needs --metadata-url, --target-dir, --target-base-url and --target-name"
                )
            }
        }
    }
}
