import Foundation
import CPKCS11
import SigstoreCore
import SigstoreKMS
import Synchronization

/// A PKCS#11 module loaded at run time (`dlopen`) and initialised once per process; modules stay loaded until exit.
final class PKCS11Module: @unchecked Sendable {
    let path: String
    let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>
    /// Serialises calls: some modules are not thread-safe, and cosign signs one digest at a time anyway.
    let lock = Mutex(())

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    private init(path: String, functions: UnsafeMutablePointer<CK_FUNCTION_LIST>) {
        self.path = path
        self.functions = functions
    }

    /// Loads and initialises the module at `path` (an absolute path to a regular file).
    static func load(_ path: String) throws -> PKCS11Module {
        try loaded.withLock { modules in
            if let module = modules[path] { return module }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw KMSError(.malformedReference, "PKCS#11 module \(path) does not exist")
            }
            guard !isDirectory.boolValue else { throw KMSError(.malformedReference, "PKCS#11 module \(path) is a directory") }
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
                throw KMSError(.malformedReference, "failed to load PKCS11 module \(path): \(reason)")
            }
            guard let symbol = dlsym(handle, "C_GetFunctionList") else {
                dlclose(handle)
                throw KMSError(.malformedReference, "\(path) is not a PKCS#11 module (no C_GetFunctionList)")
            }
            let getFunctionList = unsafeBitCast(symbol, to: CK_C_GetFunctionList.self)
            var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
            let rv = getFunctionList(&list)
            guard rv == CKR_OK, let list else { throw KMSError(.provider, "PKCS#11 module \(path): C_GetFunctionList: \(PKCS11Module.name(rv))") }
            var args = CK_C_INITIALIZE_ARGS()
            args.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
            let initialized = list.pointee.C_Initialize(&args)
            guard initialized == CKR_OK || initialized == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
                throw KMSError(.provider, "initialize PKCS11 module \(path): \(PKCS11Module.name(initialized))")
            }
            let module = PKCS11Module(path: path, functions: list)
            modules[path] = module
            return module
        }
    }

    /// Throws unless `rv` is CKR_OK, naming the operation and the return value.
    func check(_ rv: CK_RV, _ what: String) throws {
        guard rv != CKR_OK else { return }
        let code: KMSErrorCode
        switch rv {
        case CK_RV(CKR_PIN_INCORRECT), CK_RV(CKR_PIN_INVALID), CK_RV(CKR_PIN_LEN_RANGE), CK_RV(CKR_PIN_EXPIRED), CK_RV(CKR_PIN_LOCKED),
            CK_RV(CKR_USER_NOT_LOGGED_IN):
            code = .authentication
        case CK_RV(CKR_MECHANISM_INVALID), CK_RV(CKR_KEY_TYPE_INCONSISTENT), CK_RV(CKR_KEY_FUNCTION_NOT_PERMITTED):
            code = .unsupportedKey
        case CK_RV(CKR_SLOT_ID_INVALID), CK_RV(CKR_TOKEN_NOT_PRESENT), CK_RV(CKR_OBJECT_HANDLE_INVALID), CK_RV(CKR_KEY_HANDLE_INVALID):
            code = .notFound
        default:
            code = .provider
        }
        throw KMSError(code, "\(what): pkcs11: 0x\(String(rv, radix: 16, uppercase: true)): \(Self.name(rv))")
    }

    static func name(_ rv: CK_RV) -> String {
        let names: [CK_RV: String] = [
            CK_RV(CKR_OK): "CKR_OK", CK_RV(CKR_PIN_INCORRECT): "CKR_PIN_INCORRECT", CK_RV(CKR_PIN_INVALID): "CKR_PIN_INVALID",
            CK_RV(CKR_PIN_LEN_RANGE): "CKR_PIN_LEN_RANGE", CK_RV(CKR_PIN_LOCKED): "CKR_PIN_LOCKED", CK_RV(CKR_PIN_EXPIRED): "CKR_PIN_EXPIRED",
            CK_RV(CKR_USER_NOT_LOGGED_IN): "CKR_USER_NOT_LOGGED_IN", CK_RV(CKR_MECHANISM_INVALID): "CKR_MECHANISM_INVALID",
            CK_RV(CKR_KEY_TYPE_INCONSISTENT): "CKR_KEY_TYPE_INCONSISTENT", CK_RV(CKR_KEY_FUNCTION_NOT_PERMITTED): "CKR_KEY_FUNCTION_NOT_PERMITTED",
            CK_RV(CKR_SLOT_ID_INVALID): "CKR_SLOT_ID_INVALID", CK_RV(CKR_TOKEN_NOT_PRESENT): "CKR_TOKEN_NOT_PRESENT",
            CK_RV(CKR_ARGUMENTS_BAD): "CKR_ARGUMENTS_BAD", CK_RV(CKR_GENERAL_ERROR): "CKR_GENERAL_ERROR",
            CK_RV(CKR_FUNCTION_FAILED): "CKR_FUNCTION_FAILED", CK_RV(CKR_DEVICE_ERROR): "CKR_DEVICE_ERROR",
            CK_RV(CKR_SESSION_HANDLE_INVALID): "CKR_SESSION_HANDLE_INVALID", CK_RV(CKR_USER_ALREADY_LOGGED_IN): "CKR_USER_ALREADY_LOGGED_IN",
            CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED): "CKR_CRYPTOKI_NOT_INITIALIZED", CK_RV(CKR_DATA_LEN_RANGE): "CKR_DATA_LEN_RANGE",
            CK_RV(CKR_OBJECT_HANDLE_INVALID): "CKR_OBJECT_HANDLE_INVALID", CK_RV(CKR_KEY_HANDLE_INVALID): "CKR_KEY_HANDLE_INVALID",
            CK_RV(CKR_BUFFER_TOO_SMALL): "CKR_BUFFER_TOO_SMALL", CK_RV(CKR_ATTRIBUTE_TYPE_INVALID): "CKR_ATTRIBUTE_TYPE_INVALID",
        ]
        return names[rv] ?? "CKR_0x\(String(rv, radix: 16, uppercase: true))"
    }

    /// Slots with a token present.
    func slotsWithTokens() throws -> [CK_SLOT_ID] {
        try lock.withLock { _ in
            var count: CK_ULONG = 0
            try check(functions.pointee.C_GetSlotList(CK_BBOOL(CK_TRUE), nil, &count), "get slot list")
            var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
            if count > 0 { try check(functions.pointee.C_GetSlotList(CK_BBOOL(CK_TRUE), &slots, &count), "get slot list") }
            return Array(slots.prefix(Int(count)))
        }
    }

    /// A token's description, labels trimmed of their padding.
    struct TokenInfo: Sendable {
        var label, manufacturer, model, serialNumber: String
        var loginRequired: Bool
    }

    func tokenInfo(_ slot: CK_SLOT_ID) throws -> TokenInfo {
        try lock.withLock { _ in
            var info = CK_TOKEN_INFO()
            try check(functions.pointee.C_GetTokenInfo(slot, &info), "get token info")
            func text<T>(_ field: T) -> String {
                withUnsafeBytes(of: field) { raw in
                    String(decoding: raw, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
                }
            }
            return TokenInfo(
                label: text(info.label), manufacturer: text(info.manufacturerID), model: text(info.model), serialNumber: text(info.serialNumber),
                loginRequired: info.flags & CK_FLAGS(CKF_LOGIN_REQUIRED) != 0)
        }
    }

    /// The slot holding the token labelled `label`.
    func slot(forToken label: String) throws -> CK_SLOT_ID {
        for slot in try slotsWithTokens() where (try? tokenInfo(slot).label) == label { return slot }
        throw KMSError(.notFound, "could not find a slot for the token '\(label)' in PKCS11 module \(path)")
    }

    /// Opens a read-only session on `slot` and logs in with `pin` (when given).
    func openSession(_ slot: CK_SLOT_ID, pin: String?) throws -> PKCS11Session {
        let handle: CK_SESSION_HANDLE = try lock.withLock { _ in
            var session: CK_SESSION_HANDLE = 0
            try check(functions.pointee.C_OpenSession(slot, CK_FLAGS(CKF_SERIAL_SESSION), nil, nil, &session), "open session")
            return session
        }
        let session = PKCS11Session(module: self, handle: handle)
        if let pin {
            try lock.withLock { _ in
                var bytes = Array(pin.utf8)
                let rv = functions.pointee.C_Login(handle, CK_USER_TYPE(CKU_USER), &bytes, CK_ULONG(bytes.count))
                for i in bytes.indices { bytes[i] = 0 }
                if rv != CKR_USER_ALREADY_LOGGED_IN { try check(rv, "login") }
            }
        }
        return session
    }
}

/// One session on a token; closed when released.
final class PKCS11Session: @unchecked Sendable {
    let module: PKCS11Module
    let handle: CK_SESSION_HANDLE

    init(module: PKCS11Module, handle: CK_SESSION_HANDLE) {
        self.module = module
        self.handle = handle
    }

    deinit {
        let (functions, handle) = (module.functions, handle)
        module.lock.withLock { _ in _ = functions.pointee.C_CloseSession(handle) }
    }

    /// Objects whose attributes equal `template` (type → value bytes).
    func findObjects(_ template: [(CK_ATTRIBUTE_TYPE, [UInt8])]) throws -> [CK_OBJECT_HANDLE] {
        try module.lock.withLock { _ in
            // The template's values live in buffers of their own for the duration of the search.
            let buffers = template.map { entry -> UnsafeMutableRawBufferPointer in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, entry.1.count), alignment: 8)
                buffer.copyBytes(from: entry.1)
                return buffer
            }
            defer { buffers.forEach { $0.deallocate() } }
            var attributes = template.indices.map { i -> CK_ATTRIBUTE in
                var attribute = CK_ATTRIBUTE()
                attribute.type = template[i].0
                attribute.pValue = buffers[i].baseAddress
                attribute.ulValueLen = CK_ULONG(template[i].1.count)
                return attribute
            }
            var found: [CK_OBJECT_HANDLE] = []
            try module.check(module.functions.pointee.C_FindObjectsInit(handle, &attributes, CK_ULONG(attributes.count)), "init find objects")
            defer { _ = module.functions.pointee.C_FindObjectsFinal(handle) }
            var batch = [CK_OBJECT_HANDLE](repeating: 0, count: 20)
            while true {
                var count: CK_ULONG = 0
                try module.check(module.functions.pointee.C_FindObjects(handle, &batch, CK_ULONG(batch.count), &count), "find objects")
                if count == 0 { break }
                found += batch.prefix(Int(count))
            }
            return found
        }
    }

    /// The value of one attribute, or nil when the object has none.
    func attribute(_ object: CK_OBJECT_HANDLE, _ type: CK_ATTRIBUTE_TYPE) throws -> [UInt8]? {
        try module.lock.withLock { _ in
            var attribute = CK_ATTRIBUTE()
            attribute.type = type
            let rv = module.functions.pointee.C_GetAttributeValue(handle, object, &attribute, 1)
            if rv == CKR_ATTRIBUTE_TYPE_INVALID || attribute.ulValueLen == CK_ULONG.max { return nil }
            try module.check(rv, "get attributes")
            var value = [UInt8](repeating: 0, count: Int(attribute.ulValueLen))
            try value.withUnsafeMutableBytes { buffer in
                attribute.pValue = buffer.baseAddress
                try module.check(module.functions.pointee.C_GetAttributeValue(handle, object, &attribute, 1), "get attributes")
            }
            return Array(value.prefix(Int(attribute.ulValueLen)))
        }
    }

    /// Signs `data` with `key` and `mechanism` (no parameters).
    func sign(_ data: [UInt8], key: CK_OBJECT_HANDLE, mechanism type: CK_MECHANISM_TYPE) throws -> [UInt8] {
        try module.lock.withLock { _ in
            var mechanism = CK_MECHANISM()
            mechanism.mechanism = type
            try module.check(module.functions.pointee.C_SignInit(handle, &mechanism, key), "sign init")
            var input = data
            var length: CK_ULONG = 0
            try module.check(module.functions.pointee.C_Sign(handle, &input, CK_ULONG(input.count), nil, &length), "sign")
            var signature = [UInt8](repeating: 0, count: Int(length))
            try module.check(module.functions.pointee.C_Sign(handle, &input, CK_ULONG(input.count), &signature, &length), "sign")
            return Array(signature.prefix(Int(length)))
        }
    }
}

extension CK_ULONG {
    /// The attribute encoding of a CK_ULONG value (native byte order, as PKCS#11 templates carry it).
    var attributeBytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }
}
