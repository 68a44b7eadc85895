// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// The Gridex reward token (GDX), 6 decimals like the exchange's token base units. Only its owner, the rewards
/// vault, mints: tokens come into existence on the chain when Gridex pays them out, and leave it when a
/// supplier deposits them into the vault (which burns them and credits the supplier's Gridex balance).
contract GridexToken is ERC20, Ownable {
    constructor(address owner_) ERC20("Gridex Token", "GDX") Ownable(owner_) {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }
}
