import Crypto
import Foundation
import SigstoreIssuing
import X509

/// A name in the test organisation.
func name(_ commonName: String) throws -> DistinguishedName {
    try DistinguishedName {
        OrganizationName("issuing-tests")
        CommonName(commonName)
    }
}

let epoch = Date(timeIntervalSince1970: 1_700_000_000)
let tenYears = epoch.addingTimeInterval(10 * 365 * 86400)
let signingTime = Date(timeIntervalSince1970: 1_750_000_000)
