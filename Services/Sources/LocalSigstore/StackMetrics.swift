import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import Prometheus

/// The stack's numbers in Prometheus text format (`GET /metrics`), kept in a registry of its own (no process-wide
/// metrics bootstrap, so several stacks can run in one process): requests by service, route, method and status with
/// their latency, certificates and timestamps issued, and per log the entries appended, the tree size, the batch sizes
/// and how long storage took to commit each batch.
public final class StackMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// A registry with no samples yet.
    public init() {}

    static func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sigstore_local", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// One answered request.
    func request(service: String, route: String, method: String, status: Int, duration: Duration) {
        let labels = [("service", service), ("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: Self.name("http", "requests", "total", "HTTP requests answered"), labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http", "request_duration", "seconds", "Time from a request's head to its response"),
            labels: [("service", service), ("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Fulcio issued a certificate.
    func certificateIssued() {
        registry.makeCounter(descriptor: Self.name("fulcio", "certificates_issued", "total", "Signing certificates issued"), labels: []).increment()
    }

    /// The TSA issued a timestamp.
    func timestampIssued() {
        registry.makeCounter(descriptor: Self.name("tsa", "timestamps_issued", "total", "RFC 3161 timestamps issued"), labels: []).increment()
    }

    /// A log committed a batch.
    func batchCommitted(log: String, entries: Int, treeSize: Int, commit: Duration) {
        let labels = [("log", log)]
        registry.makeCounter(descriptor: Self.name("log", "entries_appended", "total", "Entries integrated into a log"), labels: labels)
            .increment(by: Int64(entries))
        registry.makeGauge(descriptor: Self.name("log", "tree_size", "entries", "Entries in a log's tree"), labels: labels).set(to: Double(treeSize))
        registry.makeValueHistogram(
            descriptor: Self.name("log", "batch_size", "entries", "Entries integrated per batch (one transaction, one checkpoint)"),
            labels: labels, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        ).record(Double(entries))
        registry.makeDurationHistogram(
            descriptor: Self.name("log", "commit_duration", "seconds", "Time storage took to commit a batch"), labels: labels,
            buckets: Self.latencyBuckets
        ).record(commit)
    }

    /// A log's size at start.
    func treeSize(log: String, _ size: Int) {
        registry.makeGauge(descriptor: Self.name("log", "tree_size", "entries", "Entries in a log's tree"), labels: [("log", log)])
            .set(to: Double(size))
    }

    /// The exposition text.
    public func text() -> [UInt8] { registry.emitToBuffer() }
}

/// Counts every request of one service by its route pattern (not its path, so a log index does not make a series).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: StackMetrics
    let service: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: Int(response.status.code), since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, status: Int(error.status.code), since: start)
            throw error
        } catch {
            record(request, context, status: 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        metrics.request(service: service, route: route, method: request.method.rawValue, status: status, duration: ContinuousClock.now - start)
    }
}
