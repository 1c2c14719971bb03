import ArgumentParser
import Cosign

struct PKCS11ToolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkcs11-tool", abstract: "Provides utilities for retrieving information from a PKCS11 token.",
        subcommands: [PKCS11ListTokens.self, PKCS11ListKeysURIs.self])

    @Flag(name: [.customShort("f"), .customLong("no-input")], help: "skip warnings and confirmations")
    var noInput = false
}

struct PKCS11ListTokens: CosignSubcommand {
    static let configuration = CommandConfiguration(commandName: "list-tokens", abstract: "List all PKCS11 tokens linked to a module")

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.customShort("f"), .customLong("no-input")], help: "skip warnings and confirmations")
    var noInput = false

    @Option(name: .customLong("module-path"), help: "absolute path to the PKCS11 module")
    var modulePath: String?

    func execute(_ console: Console) async throws {
        try PKCS11Listing.listTokens(modulePath: modulePath, console: console)
    }
}

struct PKCS11ListKeysURIs: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "list-keys-uris", abstract: "List URIs of all keys in a PKCS11 token")

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.customShort("f"), .customLong("no-input")], help: "skip warnings and confirmations")
    var noInput = false

    @Option(name: .customLong("module-path"), help: "absolute path to the PKCS11 module")
    var modulePath: String?

    @Option(name: .customLong("slot-id"), help: "id of the PKCS11 slot, uses 0 if empty")
    var slotID: UInt = 0

    @Option(name: .customLong("pin"), help: "pin of the PKCS11 slot, uses environment variable COSIGN_PKCS11_PIN if empty")
    var pin: String?

    func execute(_ console: Console) async throws {
        try PKCS11Listing.listKeyURIs(modulePath: modulePath, slotID: slotID, pin: pin, console: console)
    }
}
