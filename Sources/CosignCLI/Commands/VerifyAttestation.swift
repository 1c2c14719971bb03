import ArgumentParser
import Cosign
import CosignOCI

struct VerifyAttestation: CosignSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-attestation",
        abstract: "Verify an attestation on the supplied container image",
        discussion: """
            Verify the attestations of an image and print each one of the requested predicate type (its DSSE
            envelope, one JSON document per line).

              cosign verify-attestation --key cosign.pub --insecure-ignore-tlog --type spdxjson <IMAGE>

              # keyless, with a trusted root
              cosign verify-attestation --trusted-root trusted_root.json --certificate-identity user@example.com \\
                  --certificate-oidc-issuer https://issuer.example --type slsaprovenance1 <IMAGE>

            Sigstore bundle referrers are verified when there are any, else the legacy sha256-<hex>.att image.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var options: ImageVerificationFlags

    @Option(name: .customLong("type"), help: "specify a predicate type (slsaprovenance|slsaprovenance02|slsaprovenance1|link|spdx|spdxjson|cyclonedx|vuln|openvex|custom) or an URI")
    var predicateType = "custom"

    @Option(name: .customLong("policy"), help: "specify CUE or Rego files with policies to be used for validation")
    var policies: [String] = []

    @Argument(help: "the images to verify")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("requires at least 1 arg(s), only received 0") }
        guard options.maxWorkers > 0 else { throw ValidationError("please set the --max-worker flag to a value that is greater than 0") }
    }

    func execute(_ console: Console) async throws {
        if !policies.isEmpty {
            for policy in policies where !policy.hasSuffix(".rego") && !policy.hasSuffix(".cue") {
                throw CLIError("invalid policy format, expected .cue or .rego")
            }
            throw CLIError("--policy (CUE and Rego policies) is not supported yet")
        }
        guard !predicateType.isEmpty else { throw CLIError("missing predicate type") }
        try await options.withVerifier(console, verifying: "attestation") { verifier, keyBased in
            for image in images {
                let (outcome, name) = try await verifier.verifyAttestations(of: image, localImage: options.localImage)
                let matches = try outcome.matching(type: predicateType)
                options.printHeader(name, fromBundles: outcome.fromBundles, keyBased: keyBased, annotations: false, console: console)
                for attestation in matches {
                    VerificationReport.certificateLines(attestation.result).forEach(console.info)
                    console.stdout.write(attestation.output + [UInt8(ascii: "\n")])
                }
            }
        }
    }
}
