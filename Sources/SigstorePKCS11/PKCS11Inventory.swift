import CPKCS11
import SigstoreCore
import SigstoreKMS

/// A token in a module's slot, as `cosign pkcs11-tool list-tokens` shows it.
public struct PKCS11TokenDescription: Sendable, Equatable {
    public var slotID: UInt
    public var label: String
    public var manufacturer: String
    public var model: String
    public var serialNumber: String
}

/// A private key on a token, with the URI that names it.
public struct PKCS11KeyDescription: Sendable, Equatable {
    public var label: String?
    public var id: [UInt8]?
    public var uri: PKCS11URI
}

/// What a PKCS#11 module offers: its tokens and the private keys on one of them.
public enum PKCS11Inventory {
    /// The tokens present in the module's slots.
    public static func tokens(modulePath: String) throws -> [PKCS11TokenDescription] {
        let module = try load(modulePath)
        return try module.slotsWithTokens().compactMap { slot in
            guard let info = try? module.tokenInfo(slot) else { return nil }
            return PKCS11TokenDescription(
                slotID: UInt(slot), label: info.label, manufacturer: info.manufacturer, model: info.model, serialNumber: info.serialNumber)
        }
    }

    /// The private keys on the token in `slotID`, after logging in with `pin` (else `askPIN`, when the token needs a
    /// login). The URIs carry no PIN: give it with `COSIGN_PKCS11_PIN` or `pin-value`.
    public static func keys(
        modulePath: String, slotID: UInt, pin: String?, askPIN: ((_ prompt: String) throws -> String)?
    ) throws -> (token: String, keys: [PKCS11KeyDescription]) {
        let module = try load(modulePath)
        _ = try module.slotsWithTokens()
        let slot = CK_SLOT_ID(slotID)
        let info = try module.tokenInfo(slot)
        var pin = pin
        if pin == nil, info.loginRequired, let askPIN { pin = try askPIN("Enter PIN for PKCS11 token '\(info.label)': ") }
        let session = try module.openSession(slot, pin: pin)
        var keys: [PKCS11KeyDescription] = []
        for object in try session.findObjects([(CK_ATTRIBUTE_TYPE(CKA_CLASS), CK_ULONG(CKO_PRIVATE_KEY).attributeBytes)]) {
            let id = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_ID)).flatMap { $0.isEmpty ? nil : $0 }
            let label = try session.attribute(object, CK_ATTRIBUTE_TYPE(CKA_LABEL)).map { String(decoding: $0, as: UTF8.self) }
                .flatMap { $0.isEmpty ? nil : $0 }
            guard id != nil || label != nil else { continue }
            let uri = PKCS11URI(token: info.label.isEmpty ? nil : info.label, slotID: slotID, object: label, id: id, modulePath: modulePath)
            keys.append(PKCS11KeyDescription(label: label, id: id, uri: uri))
        }
        return (info.label, keys)
    }

    static func load(_ modulePath: String) throws -> PKCS11Module {
        guard modulePath.hasPrefix("/") else { throw KMSError(.malformedReference, "the PKCS#11 module path must be absolute, got \(modulePath)") }
        return try PKCS11Module.load(modulePath)
    }
}
