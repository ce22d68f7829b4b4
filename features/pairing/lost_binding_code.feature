@lost_code
Feature: A lost binding code
  The binding code cannot be read back from the app or recovered. An app that lost its key file (reinstalled,
  or a new phone) needs the code; without it, the code is regenerated: back up the mnemonic, reset the
  device, restore it from the mnemonic and reconnect. The keys stay the same; the code is new.

  Background:
    Given a device with the PIN "123456" and a 12-word wallet
    And the app is paired with the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"

  @wipes_device
  Scenario: A reinstalled app without the code regenerates it by reset and restore
    When the app is reinstalled
    And the app connects to the device
    Then the app reports the device as "bound to another app"
    When the user resets the device from the settings menu
    Then the device has been wiped
    When the user sets the PIN "246810" on the device
    And the user restores the wallet from the written-down words
    Then the wallet is restored
    When the app connects to the device
    Then the app reports the device as "unbound"
    When the app asks the device to show its binding code
    And the user types the binding code from the device screen into the app
    And the app connects to the device
    Then the app reports the device as "bound to this app"
    And the new binding code differs from the lost one
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the ETH address at "m/44'/60'/0'/0/0" is the same as before

  Scenario: A new phone with the code takes over the binding
    When the new phone's app connects to the device
    Then the new phone's app reports the device as "bound to another app"
    When the app asks the device to show its binding code
    And the user types the binding code from the device screen into the new phone's app
    And the new phone's app connects to the device
    And the app connects to the device
    Then the new phone's app reports the device as "bound to this app"
    And the app reports the device as "bound to another app"

  Scenario: A reinstalled app cannot bind with a made-up code
    When the app is reinstalled
    And the app connects to the device
    And the user types "ZZZZ2222" into the app as the binding code
    Then the app shows the error "authcode_error"
    When the app connects to the device
    Then the app reports the device as "bound to another app"
