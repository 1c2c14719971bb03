import ArgumentParser
import Cosign
import OCIModels
import OCIRegistry
import SigstoreCore

struct Login: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to a registry",
        discussion: """
              # Log in to reg.example.com
              cosign login reg.example.com -u AzureDiamond -p hunter2

            Credentials are stored as `docker login` stores them: through the configured credsStore helper, else in
            $DOCKER_CONFIG/config.json (default ~/.docker/config.json, mode 0600). They are not checked against the
            registry.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.customShort("u"), .customLong("username")], help: "Username")
    var username: String?

    @Option(name: [.customShort("p"), .customLong("password")], help: "Password")
    var password: String?

    @Flag(name: .customLong("password-stdin"), help: "Take the password from stdin")
    var passwordStdin = false

    @Argument(help: "the registry, e.g. ghcr.io or 127.0.0.1:5000 (default: Docker Hub)")
    var server: String?

    func execute(_ context: Console) async throws {
        if password != nil && passwordStdin { throw CLIError("--password and --password-stdin are mutually exclusive") }
        var secret = password
        if passwordStdin {
            var text = String(decoding: context.stdin.readAll(), as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            secret = text
        }
        guard let username, !username.isEmpty else { throw CLIError("a username is required: pass -u/--username") }
        guard let secret, !secret.isEmpty else { throw CLIError("a password is required: pass -p/--password or --password-stdin") }
        do {
            let path = try DockerConfigCredentials.store(
                RegistryCredentials(username: username, password: secret), for: server ?? "", environment: context.environment)
            context.info("logged in via \(path)")
        } catch let error as OCIError {
            throw CLIError(error.message)
        }
    }
}
