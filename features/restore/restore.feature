@restore
Feature: Restore from mnemonic
  A wallet is restored on the device by typing its BIP39 words (12, 15, 18, 21 or 24). The restored device
  holds the same keys: the public keys it gives equal what bip-utils derives from the words. Words that are
  not a valid mnemonic are refused and the device stays as it was.

  Background:
    Given a device with the PIN "123456"

  Scenario Outline: Restoring a <count>-word mnemonic gives the same keys
    When the user restores a wallet from the <count> words of entropy <entropy>
    Then the wallet is restored
    And the device lifecycle is "ready"
    When the app reads the ETH and BTC public keys
    Then the public keys are the ones bip-utils derives from the words

    Examples:
      | count | entropy                                                          |
      | 12    | 9e885d952ad362caeb4efe34a8e91bd2                                 |
      | 15    | 6610b25967cdcca9d59875f5cb50b0ea75433311                         |
      | 18    | 0460ef47585604c5660618db2e6a7e7f2f4b9c2d5c51f4c3                 |
      | 21    | 72f60ebac5dd8add8d2a25a797102c3ce21bc029c200076f1b6ab36a         |
      | 24    | 2c85efc7f24ee4573d2b81a6ec66cee209b2dcbd09d8eddc51e0215b0b68e416 |

  @bip39_vectors
  Scenario Outline: Official BIP39 test vectors restore to the keys bip-utils derives
    When the user restores a wallet from "<mnemonic>"
    Then the wallet is restored
    When the app reads the ETH and BTC public keys
    Then the public keys are the ones bip-utils derives from the words

    Examples:
      | mnemonic |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about |
      | legal winner thank year wave sausage worth useful legal winner thank yellow |
      | letter advice cage absurd amount doctor acoustic avoid letter advice cage above |
      | zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent |
      | legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will |
      | letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always |
      | zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art |
      | legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title |
      | letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless |
      | zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote |
      | ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic |
      | gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog |
      | hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length |
      | scheme spot photo card baby mountain device kick cradle pact join borrow |
      | horn tenant knee talent sponsor spell gate clip pulse soap slush warm silver nephew swap uncle crack brave |
      | panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside |
      | cat swing flag economy stadium alone churn speed unique patch report train |
      | light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal apart sustain crack supply proud access |
      | all hour make first leader extend hole alien behind guard gospel lava path output census museum junior mass reopen famous sing advance salt reform |
      | vessel ladder alter error federal sibling chat ability sun glass valve picture |
      | scissors invite lock maple supreme raw rapid void congress muscle digital elegant little brisk hair mango congress clump |
      | void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold |

  @bip39_vectors
  Scenario Outline: An official BIP39 vector gives the addresses every BIP39 wallet shows for it
    The addresses were derived once with bip-utils from the words (no passphrase) and are written out here: a
    change in how the device derives keys or the app encodes addresses (legacy, segwit, bech32) fails this.

    When the user restores a wallet from "<mnemonic>"
    Then the wallet is restored
    When the app reads the <coin> address at "<path>"
    Then the <coin> address at "<path>" is "<address>"

    Examples:
      | mnemonic | coin | path | address |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about | ETH | m/44'/60'/0'/0/0 | 0x9858EfFD232B4033E47d90003D41EC34EcaEda94 |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about | BTC | m/44'/0'/0'/0/0 | 1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about | BTC | m/49'/0'/0'/0/0 | 37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about | BTC | m/84'/0'/0'/0/0 | bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu |
      | legal winner thank year wave sausage worth useful legal winner thank yellow | ETH | m/44'/60'/0'/0/0 | 0x58A57ed9d8d624cBD12e2C467D34787555bB1b25 |
      | legal winner thank year wave sausage worth useful legal winner thank yellow | BTC | m/44'/0'/0'/0/0 | 1EBuf21icKTE5m3HWVndKx2bTxvqrWCqV6 |
      | legal winner thank year wave sausage worth useful legal winner thank yellow | BTC | m/49'/0'/0'/0/0 | 362rpGzFSAYLPEbHpKDsUezXUhXFVsDCDV |
      | legal winner thank year wave sausage worth useful legal winner thank yellow | BTC | m/84'/0'/0'/0/0 | bc1qgkju4yvvtuz0s8vqn837q396jezu2h8ex7gk98 |

  @wipes_device
  Scenario: A wallet created on the device restores to the same keys after a reset
    When the user creates a 12-word wallet on the device
    And the app is paired with the device
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    And the user resets the device from the settings menu
    And the user sets the PIN "123456" on the device
    And the user restores the wallet from the written-down words
    Then the wallet is restored
    When the app reads the ETH and BTC public keys
    And the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the public keys are the ones bip-utils derives from the words
    And the ETH address at "m/44'/60'/0'/0/0" is the same as before

  Scenario Outline: Words that are not a valid mnemonic are refused and nothing changes
    When the user restores a wallet from "<words>"
    Then the device refuses the words with "<reason>"
    And the device lifecycle is "<lifecycle>"
    When the app reads the ETH address at "m/44'/60'/0'/0/0"
    Then the device answers "wallet not created"

    Examples: a bad checksum, an unknown word, a wrong count
      | words | reason | lifecycle |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon | bad checksum | wallet unready |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon bitcoin | Unknown word | recovering |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about | Choose 12, 15, 18, 21 or 24 | wallet unready |
      | abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about | Choose 12, 15, 18, 21 or 24 | wallet unready |

  Scenario: Creating a wallet fails on a wrong word in the mnemonic check
    When the user starts creating a 12-word wallet and writes down the words
    And the user answers the mnemonic check with a wrong word
    Then the device screen shows "Wrong word"
    And the device lifecycle is "creating"
    When the user answers the mnemonic check correctly
    Then the wallet is ready
