@backup
Feature: Wallet backup with an imKey
  An imKey's keys never leave it: the app reads public keys and addresses from the device, never the mnemonic
  or a private key, so the backup of an imKey wallet is the mnemonic the user writes down from the device
  screen. The same words give the same accounts in any BIP39 wallet: a software wallet of the app made from
  them has the imKey's addresses, and a software wallet's backed-up mnemonic moves it onto the imKey.
  What the app does with software wallets alone (export a private key or a keystore, reset the wallet password)
  involves no device and is tested in tests/test_software_wallet.py (docs/backup.md).

  Scenario: The imKey never hands the app its mnemonic or a private key
    Given a device with a PIN and a wallet
    And the traffic between the app and the device is recorded
    And the app is paired with the device
    When the app reads the ETH and BTC public keys
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    And the app reads the BTC address at "m/84'/0'/0'/0/0"
    Then nothing the device sent the app holds the written-down words or a private key derived from them

  Scenario: The mnemonic written down from the imKey gives the same addresses in a software wallet
    Given a device with a PIN and a wallet
    And the app is paired with the device
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    And the app reads the BTC address at "m/84'/0'/0'/0/0"
    And the new phone's app imports the words written down from the device with the wallet password
    Then the imported wallet's ETH address is the one the app read from the device
    And the imported wallet's BTC address is the one the app read from the device

  Scenario: A software wallet moves onto the imKey with its backed-up mnemonic
    Given the app has a software wallet whose mnemonic the user has backed up
    And a device with the PIN "123456"
    When the user restores the device from the software wallet's written-down mnemonic
    Then the wallet is restored
    When the app is paired with the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    And the app reads the BTC address at "m/84'/0'/0'/0/0"
    Then the software wallet's ETH address is the one the app read from the device
    And the software wallet's BTC address is the one the app read from the device
