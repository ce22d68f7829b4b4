@pairing
Feature: First pairing
  A new imKey is set up on the device itself, PIN first, then a wallet. The app binds to it with the
  binding code that only the device screen shows, typed into the app by the user.

  Scenario: A new device asks for a PIN before anything else
    Given a new device
    Then the device screen shows "Set PIN" within 5 seconds
    And the device screen is exactly "Set PIN / Enter 6 to 8 digits"
    And the device lifecycle is "PIN unset"
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the device answers "wallet not created"

  Scenario: The PIN comes before the wallet
    Given a new device
    When the user sets the PIN "123456" on the device
    Then the device lifecycle is "wallet unready"
    And the device screen shows "Create wallet"
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the device answers "wallet not created"

  Scenario: Pairing a new device with the app
    Given a new device
    When the user sets the PIN "123456" on the device
    And the user creates a 12-word wallet on the device
    Then the device lifecycle is "ready"
    When the app connects to the device
    Then the app reports the device as "unbound"
    When the app asks the device to show its binding code
    Then the device screen shows "Binding code"
    When the user types the binding code from the device screen into the app
    And the app connects to the device
    Then the app reports the device as "bound to this app"
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the ETH address at "m/44'/60'/0'/0/0" is the one bip-utils derives from the words

  Scenario: A mistyped binding code is refused by the device
    Given a device with a PIN and a wallet
    When the app connects to the device
    And the user types "ABCD2345" into the app as the binding code
    Then the app shows the error "authcode_error"
    When the app connects to the device
    Then the app reports the device as "unbound"

  Scenario Outline: A malformed binding code is refused by the app before it reaches the device
    Given a device with a PIN and a wallet
    When the app connects to the device
    And the user types "<code>" into the app as the binding code
    Then the app shows the error "illegal_argument"

    Examples:
      | code      |
      | ABC2345   |
      | ABCD23450 |
      | ABCD2O45  |
      | ABCD2I45  |
      | ABCD2145  |
      | ABCD-345  |

  Scenario Outline: The PIN must be 6 to 8 digits
    Given a new device
    When the user tries to set the PIN "<pin>" on the device
    Then the device screen shows "<screen>"

    Examples:
      | pin       | screen                    |
      | 12345     | PIN must be 6 to 8 digits |
      | 123456789 | PIN must be 6 to 8 digits |
      | 12a456    | PIN must be 6 to 8 digits |
      | 123456    | Create wallet             |
      | 12345678  | Create wallet             |

  Scenario: The two PIN entries must match
    Given a new device
    When the user sets the PIN "123456" but confirms "654321"
    Then the device screen shows "PINs did not match"
    And the device lifecycle is "PIN unset"

  @needs_power_cycle
  Scenario: After a power cycle the device answers nothing sensitive until the PIN is entered
    Given a device with a PIN and a wallet
    When the app is paired with the device
    And the device is power cycled
    Then the device screen shows "Enter PIN"
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the device answers "PIN not verified"
    When the user enters the right PIN on the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the ETH address at "m/44'/60'/0'/0/0" is the one bip-utils derives from the words
    When the app connects to the device
    Then the app reports the device as "bound to this app"
