// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "Gallery",
    dependencies: [
        .package(url: "git@github.com:onevcat/Kingfisher.git", from: "7.10.0"),
        .package(id: "mona.LinkedList", from: "1.1.0"),
        .package(url: "/Users/dev/src/shared-ui", from: "0.4.0"),
        .package(url: "https://github.com/apple/swift-collections", branch: "main"),
        .package(url: "https://github.com/swiftlang/swift-syntax.git", revision: "0687f71944021d616d34d922343dcef086855920"),
    ]
)
