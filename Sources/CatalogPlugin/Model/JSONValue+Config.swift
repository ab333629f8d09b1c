import BackendKit

extension JSONValue {
    /// Converts a parsed YAML/config value; integral numbers become `.int`.
    init(_ value: ConfigValue) {
        switch value {
        case .null:
            self = .null
        case .bool(let flag):
            self = .bool(flag)
        case .number(let number):
            if number.rounded() == number, abs(number) < 9e15 {
                self = .int(Int(number))
            } else {
                self = .double(number)
            }
        case .string(let text):
            self = .string(text)
        case .array(let elements):
            self = .array(elements.map(JSONValue.init))
        case .object(let members):
            var object: [String: JSONValue] = [:]
            for (key, member) in members {
                object[key] = JSONValue(member)
            }
            self = .object(object)
        }
    }
}
