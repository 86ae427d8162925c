// swift-tools-version:5.4
import PackageDescription

let package = Package(
    name: "LegacyApp",
    dependencies: [
        .package(url: "https://github.com/Alamofire/Alamofire.git", .upToNextMajor(from: "5.5.0")),
        .package(url: "https://github.com/SwiftyJSON/SwiftyJSON", .branch("master")),
    ],
    targets: [
        .target(name: "LegacyApp", dependencies: ["Alamofire", "SwiftyJSON"]),
    ]
)
