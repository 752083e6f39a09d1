"""Services that use hexauth from the outside; none imports hexauth's layers."""
