import UIKit
@testable import Alamofire
import struct SwiftyJSON.JSON
import class RxSwift.Observable
// import TrapComment
/* import TrapBlock */
let text = "import TrapString"
