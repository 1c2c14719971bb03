import ArgumentParser
import Cosign
import SigstoreModels

/// The version of this build.
enum BuildInfo {
    static let version = "v0.1.0"
    #if arch(x86_64)
    static let arch = "amd64"
    #elseif arch(arm64)
    static let arch = "arm64"
    #else
    static let arch = "unknown"
    #endif
    #if os(Linux)
    static let os = "linux"
    #else
    static let os = "darwin"
    #endif
}

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Prints the version")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("json"), help: "print JSON instead of text")
    var json = false

    func run() async throws {
        let json = json
        try await global.run { context in
            let fields: [(String, String)] = [
                ("gitVersion", BuildInfo.version), ("gitCommit", "unknown"), ("gitTreeState", "unknown"),
                ("buildDate", "unknown"), ("swiftVersion", "6"), ("compiler", "swiftc"),
                ("platform", "\(BuildInfo.os)/\(BuildInfo.arch)"),
            ]
            if json {
                let body = fields.map { "  \"\($0.0)\": \"\($0.1)\"" }.joined(separator: ",\n")
                context.stdout.line("{\n\(body)\n}")
                return
            }
            context.stdout.write(
                #"""
                  ______   ______        _______. __    _______ .__   __.
                 /      | /  __  \      /       ||  |  /  _____||  \ |  |
                |  ,----'|  |  |  |    |   (----`|  | |  |  __  |   \|  |
                |  |     |  |  |  |     \   \    |  | |  | |_ | |  . `  |
                |  `----.|  `--'  | .----)   |   |  | |  |__| | |  |\   |
                 \______| \______/  |_______/    |__|  \______| |__| \__|
                cosign: A tool for Container Signing, Verification and Storage in an OCI registry.

                """#)
            let labels = [
                "gitVersion": "GitVersion", "gitCommit": "GitCommit", "gitTreeState": "GitTreeState",
                "buildDate": "BuildDate", "swiftVersion": "SwiftVersion", "compiler": "Compiler", "platform": "Platform",
            ]
            for (key, value) in fields {
                let label = (labels[key] ?? key) + ":"
                context.stdout.line(label.padding(to: 15) + value)
            }
        }
    }
}

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "env", abstract: "Prints Cosign environment variables")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("show-descriptions"), inversion: .prefixedNo, help: "show descriptions for environment variables")
    var showDescriptions = true

    @Flag(name: .customLong("show-sensitive-values"), help: "show values of sensitive environment variables")
    var showSensitiveValues = false

    func run() async throws {
        let (descriptions, sensitive) = (showDescriptions, showSensitiveValues)
        try await global.run { context in
            let registered = EnvironmentVariables.all
            for variable in registered.sorted(by: { $0.name < $1.name }) {
                let value = context.environment[variable.name] ?? ""
                if descriptions {
                    context.stdout.line("# \(variable.name) \(variable.description)")
                    context.stdout.line("# Expects: \(variable.expects)")
                }
                if variable.sensitive && !sensitive && !value.isEmpty {
                    context.stdout.line("\(variable.name)=******")
                } else {
                    context.stdout.line("\(variable.name)=\(value)")
                }
            }
            let known = Set(registered.map(\.name))
            let others = context.environment.filter { key, _ in
                !known.contains(key) && ["COSIGN_", "SIGSTORE_", "TUF_"].contains(where: { key.hasPrefix($0) })
            }
            if !others.isEmpty && descriptions {
                context.stdout.line(
                    "# Environment variables below are not registered with cosign,\n# but might still influence cosign's behavior.")
            }
            for (key, value) in others.sorted(by: { $0.key < $1.key }) {
                context.stdout.line(!sensitive && !value.isEmpty ? "\(key)=******" : "\(key)=\(value)")
            }
        }
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
