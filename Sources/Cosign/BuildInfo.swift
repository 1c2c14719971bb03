/// What `cosign version` prints about this build.
public enum BuildInfo {
    /// The version of this build.
    public static let version = "v0.1.0"
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

    static let fields: [(key: String, label: String, value: String)] = [
        ("gitVersion", "GitVersion", version), ("gitCommit", "GitCommit", "unknown"), ("gitTreeState", "GitTreeState", "unknown"),
        ("buildDate", "BuildDate", "unknown"), ("swiftVersion", "SwiftVersion", "6"), ("compiler", "Compiler", "swiftc"),
        ("platform", "Platform", "\(os)/\(arch)"),
    ]

    /// `cosign version --json`.
    public static var json: String {
        "{\n" + fields.map { "  \"\($0.key)\": \"\($0.value)\"" }.joined(separator: ",\n") + "\n}"
    }

    /// `cosign version`: the banner, then one `Label: value` line per field.
    public static var text: String {
        let banner = #"""
              ______   ______        _______. __    _______ .__   __.
             /      | /  __  \      /       ||  |  /  _____||  \ |  |
            |  ,----'|  |  |  |    |   (----`|  | |  |  __  |   \|  |
            |  |     |  |  |  |     \   \    |  | |  | |_ | |  . `  |
            |  `----.|  `--'  | .----)   |   |  | |  |__| | |  |\   |
             \______| \______/  |_______/    |__|  \______| |__| \__|
            cosign: A tool for Container Signing, Verification and Storage in an OCI registry.

            """#
        return banner + fields.map { field in
            let label = field.label + ":"
            return label + String(repeating: " ", count: max(0, 15 - label.count)) + field.value + "\n"
        }.joined()
    }
}

extension EnvironmentVariables {
    /// `cosign env`: every registered variable with its value (sensitive values masked unless `showSensitive`), then
    /// the unregistered `COSIGN_`, `SIGSTORE_` and `TUF_` variables that are set.
    public static func report(_ environment: [String: String], descriptions: Bool, showSensitive: Bool) -> [String] {
        var lines: [String] = []
        for variable in all.sorted(by: { $0.name < $1.name }) {
            let value = environment[variable.name] ?? ""
            if descriptions {
                lines.append("# \(variable.name) \(variable.description)")
                lines.append("# Expects: \(variable.expects)")
            }
            lines.append(variable.sensitive && !showSensitive && !value.isEmpty ? "\(variable.name)=******" : "\(variable.name)=\(value)")
        }
        let known = Set(all.map(\.name))
        let others = environment.filter { key, _ in
            !known.contains(key) && ["COSIGN_", "SIGSTORE_", "TUF_"].contains(where: { key.hasPrefix($0) })
        }
        if !others.isEmpty && descriptions {
            lines.append("# Environment variables below are not registered with cosign,\n# but might still influence cosign's behavior.")
        }
        for (key, value) in others.sorted(by: { $0.key < $1.key }) {
            lines.append(!showSensitive && !value.isEmpty ? "\(key)=******" : "\(key)=\(value)")
        }
        return lines
    }
}
