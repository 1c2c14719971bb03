#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Rewrites a cosign command line into the plain GNU form a parser reads, reproducing Go cosign's conventions:
///
/// - single-dash long flags (`-key`) become `--key`, and `--o` becomes `-o`, each with cosign's deprecation warning;
/// - flag aliases (`--cert` → `--certificate`, …);
/// - boolean flags with values (`--tlog-upload=false`) become `--tlog-upload` / `--no-tlog-upload`;
/// - every flag not on the command line can be set as `COSIGN_<FLAG>` (`COSIGN_KEY`, `COSIGN_TLOG_UPLOAD=false`).
public struct CommandLineConventions {
    /// Long option names of one command: which are flags (booleans) and which take values.
    public struct CommandShape: Sendable {
        /// Boolean flags (`--flag`, `--no-flag`).
        public var flags: Set<String> = []
        /// Options that take a value.
        public var options: Set<String> = []
        /// A shape with these names.
        public init(flags: Set<String> = [], options: Set<String> = []) {
            self.flags = flags
            self.options = options
        }
    }

    /// cosign's flag aliases.
    public static let aliases: [String: String] = [
        "cert": "certificate", "cert-email": "certificate-email", "cert-chain": "certificate-chain",
        "cert-oidc-issuer": "certificate-oidc-issuer", "output-cert": "output-certificate",
        "cert-identity": "certificate-identity",
    ]

    /// The flag table of the command path that leads the given arguments (and of every command on the way), built
    /// only when a rewrite needs it.
    let describe: ([String]) -> [[String]: CommandShape]
    var shapes: [[String]: CommandShape] = [:]
    /// cosign's deprecation warnings for what was rewritten.
    public private(set) var warnings: [String] = []

    /// Conventions over the command tree `describe` lists for a command line (called at most once, and only when
    /// needed: introspecting a command costs start-up time).
    public init(describe: @escaping ([String]) -> [[String]: CommandShape]) {
        self.describe = describe
    }

    /// Environment variables cosign reads itself, which are not flags.
    public static let nonFlagVariables = Set(EnvironmentVariables.all.map(\.name))

    /// Whether rewriting needs the flag tables (built by introspection, which costs a few milliseconds of start-up).
    public static func needsIntrospection(_ arguments: [String], environment: [String: String]) -> Bool {
        if environment.keys.contains(where: { $0.hasPrefix("COSIGN_") && !nonFlagVariables.contains($0) }) { return true }
        return arguments.contains { arg in
            guard arg.hasPrefix("--") else { return false }
            let name = arg.dropFirst(2).split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return arg.contains("=") || aliases[name] != nil
        }
    }

    /// Normalises `arguments` (without the program name) using `environment` for `COSIGN_*` bindings.
    public mutating func normalize(_ arguments: [String], environment: [String: String]) -> [String] {
        let introspect = Self.needsIntrospection(arguments, environment: environment)
        if !introspect && !arguments.contains(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.count > 2 || $0.hasPrefix("--") && $0.count == 3 }) {
            return arguments
        }
        var args = [String]()
        var passthrough = false
        for arg in arguments {
            if passthrough || arg == "--" {
                passthrough = true
                args.append(arg)
                continue
            }
            args.append(rewriteDashes(arg))
        }
        if introspect { shapes = describe(args) }
        // Find the subcommand path.
        var path = [String]()
        var index = 0
        while index < args.count, shapes[path + [args[index]]] != nil {
            path.append(args[index])
            index += 1
        }
        let shape = shapes[path] ?? CommandShape()
        var result = Array(args[..<index])
        var rest = [String]()
        var present = Set<String>()
        passthrough = false
        for arg in args[index...] {
            if passthrough || arg == "--" {
                passthrough = true
                rest.append(arg)
                continue
            }
            guard arg.hasPrefix("--"), arg.count > 2 else {
                rest.append(arg)
                continue
            }
            var name = String(arg.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if let target = Self.aliases[name] { name = target }
            present.insert(name.hasPrefix("no-") ? String(name.dropFirst(3)) : name)
            if shape.flags.contains(name), let value {
                rest.append(contentsOf: flagArguments(name: name, value: value, shape: shape, source: arg))
            } else if let value {
                rest.append("--\(name)=\(value)")
            } else {
                rest.append("--\(name)")
            }
        }
        // Environment bindings for everything not given explicitly.
        var bound = [String]()
        for name in shape.options.union(shape.flags).sorted() where !present.contains(name) {
            let variable = "COSIGN_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
            guard let value = environment[variable] else { continue }
            if shape.flags.contains(name) {
                bound.append(contentsOf: flagArguments(name: name, value: value, shape: shape, source: variable))
            } else {
                bound.append("--\(name)=\(value)")
            }
        }
        result.append(contentsOf: bound)
        result.append(contentsOf: rest)
        return result
    }

    private mutating func rewriteDashes(_ arg: String) -> String {
        if arg.hasPrefix("--"), arg.count == 3 {
            let replacement = "-" + arg.dropFirst(2)
            warnings.append("the flag \(arg) is deprecated and will be removed in a future release. Please use the flag \(replacement).")
            return replacement
        }
        if arg.hasPrefix("-"), !arg.hasPrefix("--"), arg.count > 2, !(arg.dropFirst().first?.isNumber ?? false) {
            var replacement = "-" + arg
            var kind = "flag"
            if replacement == "--version" {
                replacement = "version"
                kind = "subcommand"
            }
            warnings.append(
                "the \(arg) flag is deprecated and will be removed in a future release. Please use the \(replacement) \(kind) instead.")
            return replacement
        }
        return arg
    }

    private func flagArguments(name: String, value: String, shape: CommandShape, source: String) -> [String] {
        switch value.lowercased() {
        case "1", "t", "true", "y", "yes": return ["--\(name)"]
        case "0", "f", "false", "n", "no":
            return shape.flags.contains("no-\(name)") ? ["--no-\(name)"] : []
        default:
            // Let the parser report the bad value.
            return ["--\(name)=\(value)"]
        }
    }
}
