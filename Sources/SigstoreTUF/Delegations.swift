import Crypto
import SigstoreCore

/// The `delegations` of targets metadata: keys plus either an ordered list of roles or TAP 15 `succinct_roles`.
struct Delegations: Sendable {
    let keys: [String: PublicKey]
    let roles: [DelegatedRole]
    let succinctRoles: SuccinctRoles?

    init(json: JSONObject) throws {
        var keys: [String: PublicKey] = [:]
        for (keyID, value) in try json.object("keys").members {
            keys[keyID] = try PublicKey(json: JSONObject(value, context: "\(json.context) keys \(keyID)"))
        }
        self.keys = keys
        let hasRoles = json.value("roles") != nil
        let hasSuccinct = json.value("succinct_roles") != nil
        guard hasRoles != hasSuccinct else {
            throw TUFError(.invalidMetadata, "\(json.context): exactly one of roles and succinct_roles must be set")
        }
        var roles: [DelegatedRole] = []
        var names = Set<String>()
        for item in try hasRoles ? json.array("roles") : [] {
            let role = try DelegatedRole(json: JSONObject(item, context: "\(json.context) roles"))
            guard names.insert(role.name).inserted else {
                throw TUFError(.invalidMetadata, "\(json.context): role \"\(role.name)\" is delegated twice")
            }
            roles.append(role)
        }
        self.roles = roles
        succinctRoles = try hasSuccinct ? SuccinctRoles(json: json.object("succinct_roles")) : nil
    }

    /// The roles to search for `targetPath`, in order, each with the keys that must sign it and whether the
    /// delegation is terminating. Succinct roles yield the one bin the path hashes to, as a terminating delegation.
    func roles(for targetPath: String) -> [(name: String, signers: SignerSet, terminating: Bool)] {
        if let succinctRoles {
            return [(succinctRoles.roleName(for: targetPath), SignerSet(keys: keys, role: succinctRoles.keys), true)]
        }
        return roles.filter { $0.isDelegated(targetPath) }.map {
            ($0.name, SignerSet(keys: keys, role: $0.keys), $0.terminating)
        }
    }

    /// The keys that must sign delegated role `name`, when this delegator delegates to it.
    func signers(for name: String) -> SignerSet? {
        if let succinctRoles {
            return succinctRoles.isBin(name) ? SignerSet(keys: keys, role: succinctRoles.keys) : nil
        }
        return roles.first { $0.name == name }.map { SignerSet(keys: keys, role: $0.keys) }
    }
}

/// One entry of `delegations.roles`.
struct DelegatedRole: Sendable {
    let name: String
    let keys: RoleKeyIDs
    let terminating: Bool
    let paths: [String]?
    let pathHashPrefixes: [String]?

    init(json: JSONObject) throws {
        name = try json.string("name")
        guard !name.isEmpty, !TopLevelRole.all.contains(name) else {
            throw TUFError(.invalidMetadata, "\(json.context): delegated role may not be named \"\(name)\"")
        }
        keys = try RoleKeyIDs(json: json)
        terminating = try json.bool("terminating")
        paths = try json.optionalStringArray("paths")
        pathHashPrefixes = try json.optionalStringArray("path_hash_prefixes")
        guard (paths == nil) != (pathHashPrefixes == nil) else {
            throw TUFError(
                .invalidMetadata,
                "\(json.context): role \"\(name)\" needs exactly one of paths and path_hash_prefixes"
            )
        }
    }

    /// Whether this delegation covers `targetPath`: a `paths` pattern matches it segment by segment, or the hex
    /// SHA-256 of the path starts with one of `path_hash_prefixes`.
    func isDelegated(_ targetPath: String) -> Bool {
        if let paths {
            return paths.contains { PathPattern.matches(targetPath, pattern: $0) }
        }
        if let pathHashPrefixes {
            let digest = TextEncoding.hex(SHA256.hash(data: Array(targetPath.utf8)))
            return pathHashPrefixes.contains { digest.hasPrefix($0) }
        }
        return false
    }
}

/// TAP 15 succinct hashed-bin delegation: `2^bit_length` bins named `<name_prefix>-<hex>`, all signed by one key set.
struct SuccinctRoles: Sendable {
    let keys: RoleKeyIDs
    let bitLength: Int
    let namePrefix: String

    init(keys: RoleKeyIDs, bitLength: Int, namePrefix: String) {
        self.keys = keys
        self.bitLength = bitLength
        self.namePrefix = namePrefix
    }

    init(json: JSONObject) throws {
        keys = try RoleKeyIDs(json: json)
        bitLength = try json.int("bit_length")
        namePrefix = try json.string("name_prefix")
        guard (1...32).contains(bitLength) else {
            throw TUFError(.invalidMetadata, "\(json.context): bit_length must be between 1 and 32, got \(bitLength)")
        }
    }

    /// Hex digits in a bin suffix: enough for the largest bin number.
    private var suffixLength: Int { String((1 << bitLength) - 1, radix: 16).count }

    /// The bin for `targetPath`: the first `bit_length` bits of its SHA-256.
    func roleName(for targetPath: String) -> String {
        let digest = Array(SHA256.hash(data: Array(targetPath.utf8)))
        let prefix = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return binName(Int(prefix >> UInt32(32 - bitLength)))
    }

    /// The name of bin `number`.
    func binName(_ number: Int) -> String {
        let hex = String(number, radix: 16)
        return "\(namePrefix)-\(String(repeating: "0", count: max(0, suffixLength - hex.count)))\(hex)"
    }

    /// Whether `name` is one of the bins.
    func isBin(_ name: String) -> Bool {
        guard name.hasPrefix("\(namePrefix)-") else { return false }
        let suffix = name.dropFirst(namePrefix.count + 1)
        guard suffix.count == suffixLength, let number = Int(suffix, radix: 16), suffix == suffix.lowercased() else {
            return false
        }
        return number < 1 << bitLength
    }
}

/// Target path patterns as python-tuf and go-tuf match them: the path and the pattern are split at `/` and must have
/// the same number of segments; each segment matches like `fnmatch` (`*` any run, `?` one character, `[seq]` and
/// `[!seq]` sets), so no wildcard crosses a `/`. Matching is case-sensitive.
enum PathPattern {
    private enum Token {
        case literal(Unicode.Scalar)
        case any
        case star
        case set(negated: Bool, items: [(Unicode.Scalar, Unicode.Scalar)])
    }

    static func matches(_ path: String, pattern: String) -> Bool {
        let pathSegments = path.split(separator: "/", omittingEmptySubsequences: false)
        let patternSegments = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard pathSegments.count == patternSegments.count else { return false }
        return zip(pathSegments, patternSegments).allSatisfy { segment, pattern in
            matchSegment(Array(segment.unicodeScalars), tokens(Array(pattern.unicodeScalars)))
        }
    }

    private static func tokens(_ scalars: [Unicode.Scalar]) -> [Token] {
        var out: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                if case .star = out.last {} else { out.append(.star) }
                index += 1
            case "?":
                out.append(.any)
                index += 1
            case "[":
                if let (token, next) = set(scalars, from: index) {
                    out.append(token)
                    index = next
                } else {
                    out.append(.literal("["))
                    index += 1
                }
            default:
                out.append(.literal(scalar))
                index += 1
            }
        }
        return out
    }

    /// Parses `[...]` at `start` as fnmatch does; nil when it has no closing `]` (then `[` is literal).
    private static func set(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var index = start + 1
        var negated = false
        if index < scalars.count, scalars[index] == "!" {
            negated = true
            index += 1
        }
        var items: [(Unicode.Scalar, Unicode.Scalar)] = []
        var first = true
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "]", !first { return (.set(negated: negated, items: items), index + 1) }
            first = false
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                items.append((scalar, scalars[index + 2]))
                index += 3
            } else {
                items.append((scalar, scalar))
                index += 1
            }
        }
        return nil
    }

    /// Wildcard matching with single-star backtracking: linear in practice, O(n·m) at worst.
    private static func matchSegment(_ text: [Unicode.Scalar], _ pattern: [Token]) -> Bool {
        var t = 0
        var p = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count {
                switch pattern[p] {
                case .star:
                    starP = p
                    starT = t
                    p += 1
                    continue
                case .any:
                    t += 1
                    p += 1
                    continue
                case .literal(let scalar) where scalar == text[t]:
                    t += 1
                    p += 1
                    continue
                case .set(let negated, let items)
                where items.contains(where: { $0.0.value <= text[t].value && text[t].value <= $0.1.value }) != negated:
                    t += 1
                    p += 1
                    continue
                default:
                    break
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < pattern.count, case .star = pattern[p] { p += 1 }
        return p == pattern.count
    }
}
