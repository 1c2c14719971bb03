import SigstoreCore
import SigstoreCrypto
import SigstorePKCS11

/// `cosign pkcs11-tool list-tokens` and `list-keys-uris`: the tokens of a module and the keys on one, printed as
/// Go cosign prints them. The URIs listed carry no PIN (Go's include `pin-value`): give it with `COSIGN_PKCS11_PIN`.
public enum PKCS11Listing {
    /// The module path: the flag, else `COSIGN_PKCS11_MODULE_PATH`.
    static func modulePath(_ flag: String?, console: Console) throws -> String {
        guard let path = flag.flatMap({ $0.isEmpty ? nil : $0 }) ?? console.environment["COSIGN_PKCS11_MODULE_PATH"].flatMap({ $0.isEmpty ? nil : $0 })
        else { throw CosignError(.invalidInput, "please specify --module-path or set COSIGN_PKCS11_MODULE_PATH") }
        return path
    }

    /// Prints the tokens of the module.
    public static func listTokens(modulePath flag: String?, console: Console) throws {
        let path = try modulePath(flag, console: console)
        let tokens = try PKCS11Inventory.tokens(modulePath: path)
        var text = "\nListing tokens of PKCS11 module '\(path)'\n"
        for token in tokens {
            text += "Token in slot \(token.slotID)\n\tLabel: \(token.label)\n\tManufacturer: \(token.manufacturer)\n"
            text += "\tModel: \(token.model)\n\tS/N: \(token.serialNumber)\n\n"
        }
        console.stdout.write(text)
    }

    /// Prints the private keys on the token in `slotID`, logging in with `pin`, else `COSIGN_PKCS11_PIN`, else a
    /// prompt.
    public static func listKeyURIs(modulePath flag: String?, slotID: UInt, pin: String?, console: Console) throws {
        let path = try modulePath(flag, console: console)
        let pin = pin.flatMap { $0.isEmpty ? nil : $0 } ?? console.environment["COSIGN_PKCS11_PIN"].flatMap { $0.isEmpty ? nil : $0 }
        let listing = try PKCS11Inventory.keys(modulePath: path, slotID: slotID, pin: pin, askPIN: KeyReference.pinPrompt(console))
        var text = "\nListing URIs of keys in slot '\(slotID)' of PKCS11 module '\(path)'\n"
        for (index, key) in listing.keys.enumerated() {
            text += "Object \(index)\n"
            if let label = key.label { text += "\tLabel: \(label)\n" }
            if let id = key.id { text += "\tID: \(Hex.encode(id))\n" }
            text += "\tURI: \(key.uri.uriString)\n"
        }
        console.stdout.write(text)
    }
}
