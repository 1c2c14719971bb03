public import AsyncHTTPClient
import NIOCore
public import NIOHTTP1

/// When and how long to retry: exponential backoff with jitter, capped, honouring `Retry-After`.
public struct RetryPolicy: Sendable {
    /// Attempts per request, including the first.
    public var maxAttempts: Int
    /// First backoff delay; doubles each retry, with jitter of ±50 %.
    public var baseDelay: Duration
    /// Longest wait between attempts (also caps `Retry-After`).
    public var maxDelay: Duration

    /// Creates a policy.
    public init(maxAttempts: Int, baseDelay: Duration, maxDelay: Duration) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Whether a status is worth another attempt: 429 and 5xx other than 501.
    public static func isRetryable(status: Int) -> Bool { status == 429 || ((500...599).contains(status) && status != 501) }

    /// The wait after attempt `attempt` (1-based): `Retry-After` seconds when given, else the jittered backoff.
    public func delay(afterAttempt attempt: Int, retryAfter: String? = nil) -> Duration {
        if let retryAfter, let seconds = Int(retryAfter.trimmingSpaces), seconds >= 0 {
            return min(.seconds(seconds), maxDelay)
        }
        let base = baseDelay * (1 << min(attempt - 1, 10))
        return min(base * Double.random(in: 0.5...1.5), maxDelay)
    }
}

/// A response read whole (up to a bound).
public struct ExchangedResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The headers.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]
}

/// Why an exchange gave up; each client turns it into its own error with its own wording.
public enum ExchangeFailure: Error {
    /// The body was larger than the bound.
    case tooLarge(limit: Int, underlying: any Error)
    /// The connection failed on every attempt.
    case transport(attempts: Int, underlying: any Error)
}

/// The one request loop of the package's HTTP clients: sends, reads the body up to a bound, and retries refused
/// connections, 429 and 5xx with the policy's backoff. The last response (whatever its status) is returned.
public enum RetryingExchange {
    /// Runs the exchange. `makeRequest` builds a fresh request for each attempt; `onAttempt` counts them.
    public static func run(
        on http: HTTPClient, policy: RetryPolicy, timeout: Duration, maxBody: Int, onAttempt: () -> Void = {},
        _ makeRequest: () -> HTTPClientRequest
    ) async throws -> ExchangedResponse {
        let attempts = max(1, policy.maxAttempts)
        var attempt = 0
        while true {
            attempt += 1
            onAttempt()
            do {
                let response = try await http.execute(makeRequest(), timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                let status = Int(response.status.code)
                let bytes = try await collect(response, upTo: maxBody)
                if RetryPolicy.isRetryable(status: status) && attempt < attempts {
                    try await Task.sleep(for: policy.delay(afterAttempt: attempt, retryAfter: response.headers.first(name: "Retry-After")))
                    continue
                }
                return ExchangedResponse(status: status, headers: response.headers, body: bytes)
            } catch let error as NIOTooManyBytesError {
                throw ExchangeFailure.tooLarge(limit: maxBody, underlying: error)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if attempt < attempts {
                    try await Task.sleep(for: policy.delay(afterAttempt: attempt))
                    continue
                }
                throw ExchangeFailure.transport(attempts: attempt, underlying: error)
            }
        }
    }

    /// Reads the body into one array, sized from `Content-Length` when it is within the bound, so a large body is held
    /// once (collecting into a growing buffer and then copying it out held it two to three times over).
    public static func collect(_ response: HTTPClientResponse, upTo maxBody: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        // (A HEAD response declares the length of a body it does not send: only the bytes that arrive count.)
        if let declared = response.headers.first(name: "Content-Length").flatMap({ Int($0) }), declared > 0, declared <= maxBody {
            bytes.reserveCapacity(declared)
        }
        for try await chunk in response.body {
            guard chunk.readableBytes <= maxBody - bytes.count else { throw NIOTooManyBytesError(maxBytes: maxBody) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// A transport failure in a few words (`connection refused`, `timed out`), else the error's own text on one line.
    public static func describe(_ error: any Error) -> String {
        let text = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.contains("connectTimeout") || text.contains("connectionRefused") || text.contains("Connection refused") {
            return "connection refused"
        }
        if text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        return text
    }

    /// A URL for messages: without query or user information (either may carry credentials).
    public static func redact(_ url: String) -> String {
        var text = url
        if let q = text.firstIndex(of: "?") { text = String(text[..<q]) }
        if let scheme = text.firstRange(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
            !text[scheme.upperBound..<at].contains("/")
        {
            text = String(text[..<scheme.upperBound]) + text[text.index(after: at)...]
        }
        return text
    }
}

extension String {
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
