import ArgumentParser
import Cosign

struct VersionCommand: CosignSubcommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Prints the version")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("json"), help: "print JSON instead of text")
    var json = false

    func execute(_ console: Console) async throws {
        if json { console.stdout.line(BuildInfo.json) } else { console.stdout.write(BuildInfo.text) }
    }
}

struct EnvCommand: CosignSubcommand {
    static let configuration = CommandConfiguration(commandName: "env", abstract: "Prints Cosign environment variables")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .customLong("show-descriptions"), inversion: .prefixedNo, help: "show descriptions for environment variables")
    var showDescriptions = true

    @Flag(name: .customLong("show-sensitive-values"), help: "show values of sensitive environment variables")
    var showSensitiveValues = false

    func execute(_ console: Console) async throws {
        for line in EnvironmentVariables.report(console.environment, descriptions: showDescriptions, showSensitive: showSensitiveValues) {
            console.stdout.line(line)
        }
    }
}

struct CompletionCommand: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Generate completion script",
        discussion: """
            To load completions:
            Bash:
              $ source <(cosign completion bash)
              # To load completions for each session, execute once:
              $ cosign completion bash > /etc/bash_completion.d/cosign
            Zsh:
              $ cosign completion zsh > "${fpath[1]}/_cosign"
            Fish:
              $ cosign completion fish | source
              $ cosign completion fish > ~/.config/fish/completions/cosign.fish
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "the shell: bash, zsh, fish or powershell")
    var shell: String

    func execute(_ console: Console) async throws {
        let shells: [String: CompletionShell] = ["bash": .bash, "zsh": .zsh, "fish": .fish]
        guard let kind = shells[shell] else {
            if shell == "powershell" {
                throw CLIError("powershell completion is not supported: swift-argument-parser generates bash, zsh and fish scripts")
            }
            throw CLIError("invalid argument \"\(shell)\" for \"cosign completion\": one of bash, zsh, fish, powershell")
        }
        console.stdout.write(CosignCommand.completionScript(for: kind))
    }
}
