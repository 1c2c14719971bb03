import ArgumentParser
import SigstoreCore
public import Cosign
import CosignOCI
import SigstoreCrypto
import SigstoreModels
import SigstoreVerify
import OCIModels

/// The `cosign` command line, runnable in-process.
public enum CosignCLI {
    /// Runs cosign with `arguments` (without the program name) in `context`, returning the exit status.
    ///
    /// Results go to `context.stdout`; progress, warnings and `Error: …` lines go to `context.stderr`.
    public static func run(_ arguments: [String], context: Console = .process()) async -> Int32 {
        await Console.$current.withValue(context) {
            await runInContext(arguments, context: context)
        }
    }

    private static func runInContext(_ arguments: [String], context: Console) async -> Int32 {
        var normalizer = CommandLineConventions { FlagTable.describe(root: CosignCommand.self, words: $0) }
        let normalized = normalizer.normalize(arguments, environment: context.environment)
        for warning in normalizer.warnings { context.warn(warning) }
        let command: any ParsableCommand
        do {
            command = try CosignCommand.parseAsRoot(normalized)
        } catch {
            return reportParserError(error, context: context)
        }
        do {
            guard var runnable = command as? any AsyncParsableCommand else {
                var plain = command
                try plain.run()
                return 0
            }
            try await runnable.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let error where isOwnError(error) {
            let (message, code) = describe(error)
            context.stderr.line("Error: \(message)")
            return code
        } catch {
            // swift-argument-parser's own errors (help requested, validation) surface from `run()` too.
            return reportParserError(error, context: context)
        }
    }

    /// Prints an argument-parser error (or help text) as cosign would: help on stdout with exit 0, usage errors on
    /// stderr with exit 1.
    private static func reportParserError(_ error: any Error, context: Console) -> Int32 {
        let code = CosignCommand.exitCode(for: error)
        let message = CosignCommand.fullMessage(for: error)
        if code == .success {
            context.stdout.line(message)
            return 0
        }
        context.stderr.line(message)
        return 1
    }

    private static func isOwnError(_ error: any Error) -> Bool {
        error is any ReportableError
    }

    /// The one-line message and exit status for an error: any of the package's errors reports itself.
    static func describe(_ error: any Error) -> (String, Int32) {
        switch error {
        case let e as any ReportableError: (e.summary + (e.remedyInChain.flatMap(remedyWording).map { " (\($0))" } ?? ""), e.exitStatus)
        case let e as ValidationError: (e.message, 1)
        default: ("\(error)", 1)
        }
    }
}

/// How the command line words a library error's remedy: the flags that fix it.
func remedyWording(_ remedy: Remedy) -> String? {
    switch remedy {
    case .trustedRoot: "pass --trusted-root"
    case .withoutTransparencyLog: "or sign without one: --tlog-upload=false"
    case .registryTrust: "pass --registry-cacert or set SSL_CERT_FILE, or --allow-insecure-registry for testing"
    case .redirectURL: "check --oidc-redirect-url"
    case .plainHTTPRegistry: "to use plain HTTP, pass --allow-http-registry"
    default: nil
    }
}

/// The name the command line's tests and embedders know the console by.
public typealias CommandContext = Console

/// The root command.
struct CosignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosign",
        abstract: "A tool for Container Signing, Verification and Storage in an OCI registry.",
        subcommands: [
            GenerateKeyPair.self, ImportKeyPair.self, PublicKeyCommand.self, Sign.self, Verify.self, Attest.self, VerifyAttestation.self,
            SignBlob.self, VerifyBlob.self, AttestBlob.self, VerifyBlobAttestation.self, Tree.self, Triangulate.self, Download.self, Attach.self, Upload.self, Copy.self, Clean.self, Save.self, Load.self,
            Initialize.self, Login.self, TrustedRootCommand.self, SigningConfigCommand.self, BundleCommand.self,
            PKCS11ToolCommand.self, EnvCommand.self, VersionCommand.self, CompletionCommand.self,
        ])
}
