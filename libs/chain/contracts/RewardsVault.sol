// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {GridexToken} from "./GridexToken.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// Where tokens cross between the chain and Gridex's token ledger.
/// - deposit: a supplier's wallet hands tokens to the vault for its Gridex supplier id; the vault burns them and
///   the rewards service credits the supplier's available tokens once the deposit has enough confirmations.
/// - payOut: the platform (the vault's owner) mints a claimed payout to the supplier's wallet, at most once per
///   payout id, so a payout sent twice is paid once.
contract RewardsVault is Ownable {
    GridexToken public immutable token;
    mapping(bytes16 => bool) public paidOut;

    event Deposited(string supplierId, address indexed from, uint256 amount);
    event PaidOut(bytes16 indexed payoutId, address indexed to, uint256 amount);

    error EmptyDeposit();
    error InvalidSupplierId();
    error AlreadyPaidOut(bytes16 payoutId);

    constructor(GridexToken token_, address owner_) Ownable(owner_) {
        token = token_;
    }

    function deposit(string calldata supplierId, uint256 amount) external {
        if (amount == 0) revert EmptyDeposit();
        uint256 length = bytes(supplierId).length;
        if (length == 0 || length > 200) revert InvalidSupplierId();
        token.transferFrom(msg.sender, address(this), amount);
        token.burn(amount);
        emit Deposited(supplierId, msg.sender, amount);
    }

    function payOut(bytes16 payoutId, address to, uint256 amount) external onlyOwner {
        if (paidOut[payoutId]) revert AlreadyPaidOut(payoutId);
        paidOut[payoutId] = true;
        token.mint(to, amount);
        emit PaidOut(payoutId, to, amount);
    }
}
