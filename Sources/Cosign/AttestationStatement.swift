#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import SigstoreModels
public import SigstoreJSON
import SigstoreCore

/// Builds the in-toto statement cosign signs for `attest` and `attest-blob` (`pkg/cosign/attestation`
/// `GenerateStatement`): Statement v0.1, one subject (the image repository or blob name and its SHA-256), and the
/// predicate shaped for its `--type`.
///
/// Predicates that cosign only checks to be a JSON object (SPDX JSON, CycloneDX, OpenVEX, any URI type) are validated
/// in one pass and embedded as they are, so an SBOM of tens of megabytes costs a linear scan and one copy, and keeps
/// its numbers exactly. SLSA provenance, in-toto links and vulnerability reports are reduced to the fields of their
/// schemas, as cosign's typed decoding does.
public enum AttestationStatement {
    /// The payload type of in-toto statements in DSSE envelopes.
    public static let payloadType = "application/vnd.in-toto+json"

    /// The statement bytes for a predicate file.
    /// - Parameters:
    ///   - predicate: the predicate file's contents.
    ///   - type: the `--type` value: a short name (see ``PredicateType``) or a predicate-type URI.
    ///   - subjectName: the repository (images) or the file's base name (blobs).
    ///   - sha256: the subject's SHA-256, lowercase hex.
    ///   - time: the `Timestamp` of a `custom` predicate.
    ///   - validateType: refuse a `type` that is neither a short name nor a URI (`attest` does; `attest-blob` takes
    ///     any string as a predicate type).
    public static func generate(
        predicate: consuming [UInt8], type: String, subjectName: String, sha256: String, time: Date, validateType: Bool = true
    ) throws -> [UInt8] {
        let subject = subject(name: subjectName, sha256: sha256)
        let predicateType = validateType ? try PredicateType.validatedURI(for: type) : PredicateType.uri(for: type)
        if let what = embeddedAsWritten(type: type, predicateType: predicateType) {
            return try splice(subject: subject, predicateType: predicateType, rawObject: consume predicate, what: what)
        }
        switch type {
        case "spdx":
            // cosign keeps the document as a string and writes the statement with Go's encoding/json (sorted keys,
            // HTML escaping).
            let text = String(decoding: predicate, as: UTF8.self)
            return OrderedJSON.object([
                ("_type", .string(InTotoStatement.typeV01)), ("predicate", .string(text)),
                ("predicateType", .string(predicateType)), ("subject", subject),
            ]).serialized(escapeHTML: true)
        case "slsaprovenance", "slsaprovenance02":
            let tree = try parseObject(predicate, what: "provenance predicate")
            let projected = try PredicateSchema.project(tree, onto: PredicateSchema.slsaProvenance02, what: "Provenance predicate")
            return assemble(subject: subject, predicateType: predicateType, predicate: projected)
        case "slsaprovenance1":
            var tree = try parseObject(predicate, what: "unmarshal raw payload to map")
            tree = renameInvocationID(tree)
            let projected = try PredicateSchema.project(tree, onto: PredicateSchema.slsaProvenance1, what: "Provenance predicate")
            return assemble(subject: subject, predicateType: predicateType, predicate: projected)
        case "link":
            let tree = try parseObject(predicate, what: "link statement")
            try PredicateSchema.requireFields(PredicateSchema.linkRequired, in: tree, what: "link statement")
            let projected = try PredicateSchema.project(tree, onto: PredicateSchema.link, what: "Link statement")
            return assemble(subject: subject, predicateType: predicateType, predicate: projected)
        case "vuln":
            let tree = try parseObject(predicate, what: "vuln predicate")
            let projected = try PredicateSchema.project(tree, onto: PredicateSchema.vuln, what: "vuln predicate")
            return assemble(subject: subject, predicateType: predicateType, predicate: projected)
        case "custom":
            guard let text = String(validating: predicate, as: UTF8.self) else {
                throw CosignError(.invalidInput, "predicate is not valid UTF-8: a custom predicate is embedded as a string")
            }
            let stamp = time.formatted(
                Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: TimeZone(identifier: "UTC")!))
            return assemble(
                subject: subject, predicateType: predicateType,
                predicate: .object([("Data", .string(text)), ("Timestamp", .string(stamp))]))
        default:
            preconditionFailure("\(type) is embedded as written")
        }
    }

    /// Checks a complete statement given with `attest-blob --statement`: an in-toto statement (v0.1 or v1) with a
    /// predicate type and at least one subject.
    public static func validateProvided(_ statement: [UInt8]) throws -> InTotoStatement {
        do {
            guard try JSONParser.validate(statement) == .object else {
                throw CosignError(.invalidInput, "invalid statement: not a JSON object")
            }
        } catch let error as any ReportableError {
            throw CosignError(.invalidInput, "invalid statement: \(error.message)")
        }
        guard let parsed = InTotoStatement(payload: statement) else {
            throw CosignError(.invalidInput, "invalid statement: not an in-toto statement")
        }
        guard let type = parsed.type, type == InTotoStatement.typeV1 || type == InTotoStatement.typeV01 else {
            throw CosignError(.invalidInput, "invalid statement: _type must be \(InTotoStatement.typeV1)")
        }
        guard let predicateType = parsed.predicateType, !predicateType.isEmpty else {
            throw CosignError(.invalidInput, "invalid statement: missing predicateType")
        }
        guard let subjects = parsed.subject, !subjects.isEmpty, subjects.allSatisfy({ $0?.digest?.isEmpty == false }) else {
            throw CosignError(.invalidInput, "invalid statement: every statement needs at least one subject with a digest")
        }
        return parsed
    }

    // MARK: - Assembly

    private static func header(subject: OrderedJSON, predicateType: String) -> [UInt8] {
        var out = Array(#"{"_type":"#.utf8)
        out += OrderedJSON.string(InTotoStatement.typeV01).serialized()
        out += Array(#","subject":"#.utf8)
        out += subject.serialized()
        out += Array(#","predicateType":"#.utf8)
        out += OrderedJSON.string(predicateType).serialized()
        out += Array(#","predicate":"#.utf8)
        return out
    }

    /// protojson's field order for `in_toto_attest.Statement`: `_type`, `subject`, `predicateType`, `predicate`.
    private static func assemble(subject: OrderedJSON, predicateType: String, predicate: OrderedJSON) -> [UInt8] {
        var out = header(subject: subject, predicateType: predicateType)
        out += predicate.serialized()
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Embeds a predicate that must be a JSON object without building it in memory.
    /// The statement around a predicate embedded as written: `rawObject`'s own buffer becomes the statement (the
    /// header moved in front, the closing brace appended), so a large predicate is in memory once when the buffer has
    /// room for the header (``AttestationInput/read(_:console:)`` leaves room).
    private static func splice(subject: OrderedJSON, predicateType: String, rawObject: consuming [UInt8], what: String?) throws -> [UInt8] {
        var out = rawObject
        let kind: JSONParser.Kind
        do {
            kind = try JSONParser.validate(out)
        } catch {
            throw invalidPredicate(error.message, what: what)
        }
        try requireObject(kind, what: what)
        embed(&out, header: header(subject: subject, predicateType: predicateType))
        return out
    }

    /// The `subject` list of a statement about one artifact.
    private static func subject(name: String, sha256: String) -> OrderedJSON {
        .array([
            .members([
                ("name", name.isEmpty ? nil : .string(name)),
                ("digest", .object([("sha256", .string(sha256))])),
            ])
        ])
    }

    /// For a predicate that is embedded as written (one cosign only checks to be a JSON object): what errors about it
    /// start with, as an optional inside; nil for the types whose predicate is rebuilt.
    private static func embeddedAsWritten(type: String, predicateType: String) -> String?? {
        switch type {
        case "spdxjson", "cyclonedx", "openvex": .some(nil)
        case "spdx", "slsaprovenance", "slsaprovenance02", "slsaprovenance1", "link", "vuln", "custom": nil
        default: .some("invalid JSON payload for predicate type \(predicateType)")
        }
    }

    /// Whether a predicate of `type` is embedded as written.
    static func isEmbeddedAsWritten(type: String) -> Bool { embeddedAsWritten(type: type, predicateType: "") != nil }

    /// A predicate embedded as written, for ``StreamedPredicate``: the statement's text before the predicate (it ends
    /// with `}` after it), and the start of errors about the predicate; nil when `type`'s predicate is rebuilt.
    static func embedding(type: String, subjectName: String, sha256: String, validateType: Bool) throws -> (header: [UInt8], what: String?)? {
        let predicateType = validateType ? try PredicateType.validatedURI(for: type) : PredicateType.uri(for: type)
        guard let what = embeddedAsWritten(type: type, predicateType: predicateType) else { return nil }
        return (header(subject: subject(name: subjectName, sha256: sha256), predicateType: predicateType), what)
    }

    /// Turns a checked predicate object, in place, into its statement: surrounding whitespace dropped, `header` in
    /// front, `}` after.
    static func embed(_ predicate: inout [UInt8], header: [UInt8]) {
        while let last = predicate.last, isWhitespace(last) { predicate.removeLast() }
        let leading = predicate.prefix(while: isWhitespace).count
        predicate.replaceSubrange(0..<leading, with: header)
        predicate.append(UInt8(ascii: "}"))
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    static func invalidPredicate(_ message: String, what: String?) -> CosignError {
        CosignError(.invalidInput, [what, message].compactMap { $0 }.joined(separator: ": "))
    }

    static func requireObject(_ kind: JSONParser.Kind, what: String?) throws {
        guard kind == .object else {
            throw invalidPredicate("expected a JSON object, found \(kind == .array ? "an array" : "a \(kind.rawValue)")", what: what)
        }
    }

    private static func parseObject(_ bytes: [UInt8], what: String) throws -> OrderedJSON {
        let tree: OrderedJSON
        do {
            tree = try JSONParser.parse(bytes)
        } catch {
            throw CosignError(.invalidInput, "\(what): \(error.message)")
        }
        guard case .object = tree else { throw CosignError(.invalidInput, "\(what): expected a JSON object") }
        return tree
    }

    /// cosign renames `runDetails.metadata.invocationID` to `invocationId` before decoding SLSA v1 provenance.
    private static func renameInvocationID(_ tree: OrderedJSON) -> OrderedJSON {
        tree.updating(["runDetails", "metadata"]) { metadata in
            guard case .object(var members) = metadata, let i = members.firstIndex(where: { $0.0 == "invocationID" }) else {
                return metadata
            }
            let value = members.remove(at: i).1
            members.removeAll { $0.0 == "invocationId" }
            members.append(("invocationId", value))
            return .object(members)
        }
    }
}

extension PredicateType {
    /// The URI for a `--type` value, refusing a value that is neither a short name nor an absolute URI
    /// (`options.ParsePredicateType`).
    public static func validatedURI(for type: String) throws -> String {
        if let uri = shortNames[type] { return uri }
        guard let url = URL(string: type), let scheme = url.scheme, !scheme.isEmpty, type.contains(":") else {
            throw CosignError(.invalidPredicateType, "invalid predicate type: \(type)")
        }
        return type
    }
}

extension OrderedJSON {
    /// The member `key` of an object.
    public subscript(member key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    /// A copy with the value at `path` (object keys) replaced by `transform` of it, when the path exists.
    func updating(_ path: [String], _ transform: (OrderedJSON) -> OrderedJSON) -> OrderedJSON {
        guard let key = path.first else { return transform(self) }
        guard case .object(var members) = self, let i = members.lastIndex(where: { $0.0 == key }) else { return self }
        members[i].1 = members[i].1.updating(Array(path.dropFirst()), transform)
        return .object(members)
    }
}
