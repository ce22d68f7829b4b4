@pin
Feature: PIN lockout and reset
  The PIN is entered only on the device. Five wrong PINs in a row wipe it: seed, PIN, binding code and
  bound apps. The count of wrong PINs is written before a PIN is compared and survives power cycles; so a
  power cut during a PIN entry counts it as wrong, even when the PIN was right.

  Background:
    Given a device with the PIN "123456" and a 12-word wallet

  @needs_power_cycle
  Scenario: The right PIN unlocks the device after a power cycle
    When the device is power cycled
    Then the device screen shows "5 attempts left"
    When the user enters the right PIN on the device
    Then the device screen shows "Wallet ready"

  @needs_power_cycle
  Scenario: A wrong PIN costs one attempt, a right one restores them all
    When the device is power cycled
    And the user enters a wrong PIN 3 times
    Then the device screen shows "2 attempts left"
    And the wrong-PIN counter is 3
    And the device screen is exactly "Enter PIN / Wrong PIN / 2 attempts left"
    When the user enters the right PIN on the device
    And the device is power cycled
    Then the device screen shows "5 attempts left"
    And the wrong-PIN counter is 0

  @needs_power_cycle @wipes_device
  Scenario: Five wrong PINs in a row wipe the device
    When the app is paired with the device
    And the device is power cycled
    And the user enters a wrong PIN 4 times
    Then the device screen shows "1 attempt left"
    When the user enters a wrong PIN 1 time
    Then the device has been wiped
    And the device screen shows "Device was wiped"
    When the user sets the PIN "123456" on the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the device answers "wallet not created"

  @needs_power_cycle @wipes_device
  Scenario: The count of wrong PINs survives a power cycle
    When the device is power cycled
    And the user enters a wrong PIN 3 times
    And the device is power cycled
    Then the device screen shows "2 attempts left"
    When the user enters a wrong PIN 2 times
    Then the device has been wiped

  @wipes_device
  Scenario: A manual reset from the settings menu needs the right PIN
    When the user resets the device from the settings menu with the PIN "999999"
    Then the device screen shows "Wrong PIN"
    And the device screen shows "4 attempts left"
    And the wrong-PIN counter is 1
    And the device lifecycle is "ready"
    When the user resets the device from the settings menu
    Then the device has been wiped

  @needs_power_cycle
  Scenario: Wrong PINs at the reset menu count toward the lockout
    When the user resets the device from the settings menu with the PIN "999999"
    And the device is power cycled
    Then the device screen shows "4 attempts left"

  @needs_power_cut @wipes_device
  Scenario Outline: A power cut at any storage write of the fifth wrong PIN never grants a sixth attempt
    When the device is power cycled
    And the user enters a wrong PIN 4 times
    And a wrong PIN is entered with the power cut at storage write <write>
    And the device is powered on again
    Then the device screen shows "<after power on>"
    When wrong PINs are entered until the device is wiped
    Then no more than 5 wrong PINs were answered by the device
    And the device has been wiped

    Examples:
      | write | after power on |
      | 1     | 1 attempt left |
      | 2     | Set PIN        |
      | 3     | Set PIN        |
      | 4     | Set PIN        |

  @needs_power_cut @wipes_device
  Scenario: A power cut during the fifth PIN entry counts it as wrong even when the PIN was right
    When the device is power cycled
    And the user enters a wrong PIN 4 times
    And a right PIN is entered with the power cut at storage write 2
    And the device is powered on again
    Then the device has been wiped
    When the user sets the PIN "123456" on the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the device answers "wallet not created"

  @needs_power_cut
  Scenario Outline: A power cut during the right PIN keeps the count safe and the PIN still unlocks
    When the device is power cycled
    And the user enters a wrong PIN 2 times
    And the device is power cycled
    And a right PIN is entered with the power cut at storage write <write>
    And the device is powered on again
    Then the device screen shows "<after power on>"
    When the user enters the right PIN on the device
    Then the device screen shows "Wallet ready"

    Examples:
      | write | after power on  |
      | 1     | 3 attempts left |
      | 2     | 2 attempts left |
