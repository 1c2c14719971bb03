#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SigstoreModels
import SigstoreJSON
import SigstoreCore

/// The schemas cosign decodes typed predicates into before signing them, and the projection that reproduces that
/// decoding: unknown fields are dropped, types are checked, and the result's keys are sorted (cosign passes every
/// predicate through a `structpb.Struct`, which protojson writes with sorted keys).
///
/// Two decoders are modelled: protojson (SLSA provenance, from the in-toto attestation protos: both the JSON and the
/// proto field names are accepted, zero values are left out) and Go's `encoding/json` into a struct (in-toto links
/// and cosign's vulnerability predicate: every field is written, absent ones as their zero value).
enum PredicateSchema {
    enum Decoder: Sendable { case protojson, goStruct }

    indirect enum Shape: Sendable {
        case string, bool, timestamp, bytes
        /// Any JSON value (`google.protobuf.Value`, Go `interface{}`).
        case any
        /// A JSON object of any content (`google.protobuf.Struct`).
        case structObject
        /// An object of string values (`map<string,string>`).
        case stringMap
        /// An object of values of one shape (Go `map[string]T`).
        case map(Shape)
        case list(Shape)
        case message([Field])
    }

    struct Field: Sendable {
        var name: String
        var protoName: String?
        var shape: Shape
        init(_ name: String, _ shape: Shape, proto protoName: String? = nil) {
            self.name = name
            self.shape = shape
            self.protoName = protoName
        }
    }

    struct Schema: Sendable {
        var decoder: Decoder
        var root: [Field]
    }

    // MARK: - Schemas

    /// `in_toto_attestation.predicates.provenance.v02.Provenance`.
    static let slsaProvenance02: Schema = {
        let digestSet = Shape.stringMap
        return Schema(
            decoder: .protojson,
            root: [
                Field("builder", .message([Field("id", .string)])),
                Field("buildType", .string, proto: "build_type"),
                Field(
                    "invocation",
                    .message([
                        Field(
                            "configSource",
                            .message([Field("uri", .string), Field("digest", digestSet), Field("entryPoint", .string, proto: "entry_point")]),
                            proto: "config_source"),
                        Field("parameters", .structObject),
                        Field("environment", .structObject),
                    ])),
                Field("buildConfig", .structObject, proto: "build_config"),
                Field(
                    "metadata",
                    .message([
                        Field("buildInvocationId", .string, proto: "build_invocation_id"),
                        Field("buildStartedOn", .timestamp, proto: "build_started_on"),
                        Field("buildFinishedOn", .timestamp, proto: "build_finished_on"),
                        Field(
                            "completeness",
                            .message([Field("parameters", .bool), Field("environment", .bool), Field("materials", .bool)])),
                        Field("reproducible", .bool),
                    ])),
                Field("materials", .list(.message([Field("uri", .string), Field("digest", digestSet)]))),
            ])
    }()

    /// `in_toto_attestation.v1.ResourceDescriptor`.
    static let resourceDescriptor: Shape = .message([
        Field("name", .string), Field("uri", .string), Field("digest", .stringMap), Field("content", .bytes),
        Field("downloadLocation", .string, proto: "download_location"), Field("mediaType", .string, proto: "media_type"),
        Field("annotations", .structObject),
    ])

    /// `in_toto_attestation.predicates.provenance.v1.Provenance`.
    static let slsaProvenance1 = Schema(
        decoder: .protojson,
        root: [
            Field(
                "buildDefinition",
                .message([
                    Field("buildType", .string, proto: "build_type"),
                    Field("externalParameters", .structObject, proto: "external_parameters"),
                    Field("internalParameters", .structObject, proto: "internal_parameters"),
                    Field("resolvedDependencies", .list(resourceDescriptor), proto: "resolved_dependencies"),
                ]),
                proto: "build_definition"),
            Field(
                "runDetails",
                .message([
                    Field(
                        "builder",
                        .message([
                            Field("id", .string), Field("version", .stringMap),
                            Field("builderDependencies", .list(resourceDescriptor), proto: "builder_dependencies"),
                        ])),
                    Field(
                        "metadata",
                        .message([
                            Field("invocationId", .string, proto: "invocation_id"),
                            Field("startedOn", .timestamp, proto: "started_on"),
                            Field("finishedOn", .timestamp, proto: "finished_on"),
                        ])),
                    Field("byproducts", .list(resourceDescriptor)),
                ]),
                proto: "run_details"),
        ])

    /// in-toto-golang's `in_toto.Link`; every field is required by cosign.
    static let link = Schema(
        decoder: .goStruct,
        root: [
            Field("_type", .string), Field("name", .string), Field("materials", .map(.stringMap)),
            Field("products", .map(.stringMap)), Field("byproducts", .map(.any)), Field("command", .list(.string)),
            Field("environment", .map(.any)),
        ])

    static let linkRequired = ["_type", "name", "materials", "products", "byproducts", "command", "environment"]

    /// cosign's `CosignVulnPredicate`.
    static let vuln = Schema(
        decoder: .goStruct,
        root: [
            Field(
                "invocation",
                .message([Field("parameters", .any), Field("uri", .string), Field("event_id", .string), Field("builder.id", .string)])),
            Field(
                "scanner",
                .message([
                    Field("uri", .string), Field("version", .string),
                    Field("db", .message([Field("uri", .string), Field("version", .string)])), Field("result", .any),
                ])),
            Field("metadata", .message([Field("scanStartedOn", .timestamp), Field("scanFinishedOn", .timestamp)])),
        ])

    // MARK: - Projection

    static func requireFields(_ names: [String], in tree: OrderedJSON, what: String) throws {
        for name in names where tree[member: name] == nil {
            throw CosignError(.invalidInput, "\(what): required field \(name) missing")
        }
    }

    /// Decodes `tree` as the schema's decoder would and returns what cosign would embed, keys sorted.
    static func project(_ tree: OrderedJSON, onto schema: Schema, what: String) throws -> OrderedJSON {
        let projection = Projection(decoder: schema.decoder, what: what)
        return (try projection.message(tree, fields: schema.root, path: "") ?? .object([])).sortedKeys()
    }

    private struct Projection {
        let decoder: Decoder
        let what: String

        func failure(_ path: String, _ message: String) -> CosignError {
            CosignError(.invalidInput, "unmarshal \(what): \(path.isEmpty ? "" : "field \(path): ")\(message)")
        }

        /// nil means "left out" (protojson zero value).
        func message(_ value: OrderedJSON, fields: [Field], path: String) throws -> OrderedJSON? {
            if case .null = value { return decoder == .goStruct ? try message(.object([]), fields: fields, path: path) : nil }
            guard case .object(let members) = value else { throw failure(path, "expected an object") }
            var out: [(String, OrderedJSON)] = []
            for field in fields {
                let matches = members.filter { $0.0 == field.name || (decoder == .protojson && $0.0 == field.protoName) }
                if decoder == .protojson, Set(matches.map(\.0)).count > 1 || matches.count > 1 {
                    throw failure(path, "duplicate field \(field.name)")
                }
                let fieldPath = path.isEmpty ? field.name : "\(path).\(field.name)"
                if let input = matches.last?.1 {
                    if let projected = try self.value(input, shape: field.shape, path: fieldPath) {
                        out.append((field.name, projected))
                    }
                } else if decoder == .goStruct {
                    out.append((field.name, try zero(field.shape, path: fieldPath)))
                }
            }
            return .object(out)
        }

        func zero(_ shape: Shape, path: String) throws -> OrderedJSON {
            switch shape {
            case .string, .bytes: return .string("")
            case .bool: return .bool(false)
            case .timestamp: return .string("0001-01-01T00:00:00Z")
            case .message(let fields):
                return try message(.object([]), fields: fields, path: path) ?? .object([])
            case .any, .structObject, .stringMap, .map, .list: return .null
            }
        }

        func value(_ input: OrderedJSON, shape: Shape, path: String) throws -> OrderedJSON? {
            if case .null = input, case .any = shape { return .null }
            if case .null = input {
                if case .message(let fields) = shape { return try message(input, fields: fields, path: path) }
                return decoder == .goStruct ? try zero(shape, path: path) : nil
            }
            switch shape {
            case .string:
                guard case .string(let s) = input else { throw failure(path, "expected a string") }
                return decoder == .protojson && s.isEmpty ? nil : input
            case .bool:
                guard case .bool(let b) = input else { throw failure(path, "expected a boolean") }
                return decoder == .protojson && !b ? nil : input
            case .bytes:
                guard case .string(let s) = input, let bytes = Base64.decode(s) ?? Base64.decode(Self.standardBase64(s)) else {
                    throw failure(path, "expected base64 bytes")
                }
                return bytes.isEmpty ? nil : .string(Base64.encode(bytes))
            case .timestamp:
                guard case .string(let s) = input, let normalized = Self.timestamp(s, utc: decoder == .protojson) else {
                    throw failure(path, "expected an RFC 3339 timestamp")
                }
                return .string(normalized)
            case .any:
                return input
            case .structObject:
                guard case .object = input else { throw failure(path, "expected an object") }
                return input
            case .stringMap:
                guard case .object(let members) = input else { throw failure(path, "expected an object of strings") }
                for (key, value) in members {
                    guard case .string = value else { throw failure("\(path).\(key)", "expected a string") }
                }
                return decoder == .protojson && members.isEmpty ? nil : input
            case .map(let element):
                guard case .object(let members) = input else { throw failure(path, "expected an object") }
                var out: [(String, OrderedJSON)] = []
                for (key, value) in members {
                    out.append((key, try self.value(value, shape: element, path: "\(path).\(key)") ?? .null))
                }
                return .object(out)
            case .list(let element):
                guard case .array(let items) = input else { throw failure(path, "expected an array") }
                var out: [OrderedJSON] = []
                for (i, item) in items.enumerated() {
                    out.append(try self.value(item, shape: element, path: "\(path)[\(i)]") ?? .object([]))
                }
                return decoder == .protojson && out.isEmpty ? nil : .array(out)
            case .message(let fields):
                return try message(input, fields: fields, path: path)
            }
        }

        static func standardBase64(_ s: String) -> String {
            var t = String(s.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
            while t.utf8.count % 4 != 0 { t += "=" }
            return t
        }

        /// Checks an RFC 3339 time. protojson writes `google.protobuf.Timestamp` in UTC with 0, 3, 6 or 9 fraction
        /// digits; Go's `time.Time` keeps the offset as written.
        static func timestamp(_ text: String, utc: Bool) -> String? {
            let pattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/
            guard let match = text.wholeMatch(of: pattern) else { return nil }
            guard let date = try? Date(String(match.1) + String(match.3), strategy: .iso8601) else { return nil }
            guard utc else { return text }
            var fraction = String(match.2 ?? "")
            while fraction.count < 9 { fraction += "0" }
            if fraction == "000000000" {
                fraction = ""
            } else if fraction.hasSuffix("000000") {
                fraction = "." + fraction.prefix(3)
            } else if fraction.hasSuffix("000") {
                fraction = "." + fraction.prefix(6)
            } else {
                fraction = "." + fraction
            }
            let seconds = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: TimeZone(identifier: "UTC")!))
            return seconds.dropLast() + fraction + "Z"
        }
    }
}

extension OrderedJSON {
    /// A copy whose object members are sorted by key at every level (the order protojson writes a `Struct` in).
    func sortedKeys() -> OrderedJSON {
        switch self {
        case .object(let members):
            return .object(members.map { ($0.0, $0.1.sortedKeys()) }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) })
        case .array(let items): return .array(items.map { $0.sortedKeys() })
        default: return self
        }
    }
}
