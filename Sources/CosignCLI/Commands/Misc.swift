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
