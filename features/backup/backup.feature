@backup
Feature: Wallet backup and export
  The app backs a wallet up three ways: the mnemonic, the private key, and a keystore (the private key encrypted
  with the wallet password, as JSON). A software wallet is created in the app with a 12-word mnemonic and a
  wallet password. Export Private Key and Export Keystore are under the account's "Advanced" options and ask for
  the wallet password; a wrong password exports nothing. A keystore is kept with its password: both are needed
  to import it. An account whose keys live on the imKey, and a BTC account, have no "Advanced" option; a BTC
  wallet exports only the private key of a child address. A forgotten wallet password is reset with the
  mnemonic or the private key.

  Scenario: The user backs up the mnemonic of a new wallet and verifies it
    Given the app has a new software wallet
    Then the software wallet is not backed up
    When the user backs up the mnemonic with the wallet password
    Then the app shows a valid 12-word mnemonic
    When the user confirms the words in the order written down
    Then the software wallet is backed up
    When the new phone's app imports the written-down mnemonic with the wallet password
    Then the new phone's app has a software wallet with the same ETH address

  Scenario: A wrong password or words out of order do not back up the mnemonic
    Given the app has a new software wallet
    When the user backs up the mnemonic with a wrong password
    Then the app shows the error "password_incorrect"
    And nothing was exported
    When the user backs up the mnemonic with the wallet password
    And the user confirms the words with two of them swapped
    Then the app shows the error "mnemonic_check_failed"
    And the software wallet is not backed up

  Scenario: The private key is exported with the wallet password
    Given the app has a new software wallet
    Then the software wallet's ETH account offers "Export Private Key, Export Keystore" under "Advanced"
    When the user exports the ETH private key with the wallet password
    Then the exported private key gives the software wallet's ETH address

  Scenario: A wrong password exports neither the private key nor the keystore
    Given the app has a new software wallet
    When the user exports the ETH private key with a wrong password
    Then the app shows the error "password_incorrect"
    And nothing was exported
    When the user exports the keystore with a wrong password
    Then the app shows the error "password_incorrect"
    And nothing was exported

  Scenario: A keystore exported on one phone imports on a second phone with its password
    Given the app has a new software wallet
    When the user exports the keystore with the wallet password
    Then the keystore is Web3 Secret Storage version 3 as imToken writes it
    When the new phone's app imports the keystore with the wallet password
    Then the new phone's app has a software wallet with the same ETH address

  Scenario: A keystore without its password cannot be imported
    Given the app has a new software wallet
    When the user exports the keystore with the wallet password
    And the new phone's app imports the keystore with no password
    Then the app shows the error "illegal_argument"
    When the new phone's app imports the keystore with a wrong password
    Then the app shows the error "password_incorrect"
    And the new phone's app has no software wallet

  Scenario Outline: A keystore changed after export is refused and nothing is imported
    Given the app has a new software wallet
    When the user exports the keystore with the wallet password
    And the keystore arrives with <change>
    And the new phone's app imports the keystore with the wallet password
    Then the app shows the error "<error>"
    And the new phone's app has no software wallet

    Examples:
      | change                   | error              |
      | its mac altered          | password_incorrect |
      | its ciphertext altered   | password_incorrect |
      | its kdf rounds changed   | password_incorrect |
      | its dklen set to 16      | kdf_params_invalid |
      | its version set to 4     | invalid_keystore   |
      | its mac field removed    | invalid_keystore   |
      | its JSON cut short       | invalid_keystore   |

  Scenario: A forgotten wallet password is reset with the mnemonic
    Given the app has a software wallet whose mnemonic the user has backed up
    When the user resets the wallet password to the new password with the written-down mnemonic
    And the user exports the ETH private key with the wallet password
    Then the app shows the error "password_incorrect"
    When the user exports the ETH private key with the new password
    Then the exported private key gives the software wallet's ETH address

  Scenario: A forgotten wallet password is reset with the private key
    Given the app has a software wallet imported from an ETH private key
    When the user resets the wallet password to the new password with the private key
    And the user exports the keystore with the wallet password
    Then the app shows the error "password_incorrect"
    When the user exports the ETH private key with the new password
    Then the exported private key gives the software wallet's ETH address

  Scenario: Another wallet's mnemonic does not reset the password
    Given the app has a software wallet whose mnemonic the user has backed up
    When the user resets the wallet password to the new password with another wallet's mnemonic
    Then the app shows the error "wallet_mismatch"
    When the user exports the ETH private key with the wallet password
    Then the exported private key gives the software wallet's ETH address

  Scenario: A BTC account exports only the private key of a child address
    Given the app has a new software wallet
    Then the software wallet's BTC account has no "Advanced" option
    And the software wallet's BTC sub-addresses offer "Export Private Key"
    When the user exports the BTC private key with the wallet password
    Then the app shows the error "export_not_supported"
    And nothing was exported
    When the user exports the private key of BTC child address 2 with the wallet password
    Then the exported private key gives BTC child address 2

  Scenario: An imKey account has no "Advanced" option
    Given a device with a PIN and a wallet
    And the app is paired with the device
    Then the imKey ETH account in the app has no "Advanced" option
    And the imKey BTC account in the app has no "Advanced" option

  Scenario: The mnemonic written down from the imKey gives the same addresses in a software wallet
    Given a device with a PIN and a wallet
    And the app is paired with the device
    When the new phone's app imports the words written down from the device with the wallet password
    Then the imported wallet has the same ETH address as the imKey account in the app
    And the imported wallet has the same BTC address as the imKey account in the app

  Scenario: A reinstall loses the software wallets; the written-down mnemonic brings them back
    Given the app has a software wallet whose mnemonic the user has backed up
    When the app is reinstalled
    Then the app has no software wallet
    When the app imports the written-down mnemonic with the wallet password
    Then the app has a software wallet with the same ETH address
