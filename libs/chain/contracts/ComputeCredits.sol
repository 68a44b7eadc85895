// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// Gridex compute credits as ERC-1155 tokens: one token id per credit (its UUID as a number), one unit per
/// GPU-second. Billing keeps a credit's money; this contract lets a holder take GPU-seconds out to a wallet,
/// pass them on like any ERC-1155 token, and bring them back to a Gridex tenant before the credit expires.
/// - mint: the owner (billing's key) mints GPU-seconds a tenant withdrew, at most once per mint id, so a
///   withdrawal sent twice is minted once. The first mint of a credit fixes its expiry.
/// - redeem: any holder burns its tokens for a Gridex tenant before the expiry; billing credits that tenant's
///   holding of the credit once the redemption has enough confirmations.
contract ComputeCredits is ERC1155, Ownable {
    mapping(bytes16 => bool) public minted;
    mapping(uint256 => uint64) public expiresAt;

    event Minted(bytes16 indexed mintId, address indexed to, uint256 indexed creditId, uint256 gpuSeconds);
    event Redeemed(uint256 indexed creditId, string tenantId, address indexed from, uint256 gpuSeconds);

    error AlreadyMinted(bytes16 mintId);
    error CreditExpired(uint256 creditId);
    error ExpiryMismatch(uint256 creditId);
    error EmptyAmount();
    error InvalidTenantId();

    constructor(address owner_) ERC1155("https://api.gridex.io/v1/compute-credits/{id}.json") Ownable(owner_) {}

    function mint(bytes16 mintId, address to, uint256 creditId, uint256 gpuSeconds, uint64 expiry)
        external
        onlyOwner
    {
        if (minted[mintId]) revert AlreadyMinted(mintId);
        if (gpuSeconds == 0) revert EmptyAmount();
        if (expiresAt[creditId] == 0) expiresAt[creditId] = expiry;
        else if (expiresAt[creditId] != expiry) revert ExpiryMismatch(creditId);
        if (block.timestamp >= expiry) revert CreditExpired(creditId);
        minted[mintId] = true;
        _mint(to, creditId, gpuSeconds, "");
        emit Minted(mintId, to, creditId, gpuSeconds);
    }

    function redeem(uint256 creditId, uint256 gpuSeconds, string calldata tenantId) external {
        if (gpuSeconds == 0) revert EmptyAmount();
        uint256 length = bytes(tenantId).length;
        if (length == 0 || length > 200) revert InvalidTenantId();
        if (block.timestamp >= expiresAt[creditId]) revert CreditExpired(creditId);
        _burn(msg.sender, creditId, gpuSeconds);
        emit Redeemed(creditId, tenantId, msg.sender, gpuSeconds);
    }
}
