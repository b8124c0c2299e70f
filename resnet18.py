"""Resnet18: written by cnncalc export from resnet-18.

Input 3×224×224, output 1000, 11,689,512 parameters (as cnncalc's table). Run it: python this_file.py
"""

import torch
from torch import nn

example_input = torch.randn(1, 3, 224, 224)  # N×C×H×W


class Resnet18(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv_1 = nn.Conv2d(
            3, 64, kernel_size=7, stride=2, padding=3, bias=False
        )  # 1: conv 64 k=7 s=2 p=3 bias=false
        self.bn_1 = nn.BatchNorm2d(64)  # 2: bn
        self.relu_1 = nn.ReLU()  # 3: relu
        self.maxpool_1 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)  # 4: maxpool k=3 s=2 p=1
        self.conv_2 = nn.Conv2d(
            64, 64, kernel_size=3, padding=1, bias=False
        )  # 5.1.1.1: conv 64 k=3 p=1 bias=false
        self.bn_2 = nn.BatchNorm2d(64)  # 5.1.1.2: bn
        self.relu_2 = nn.ReLU()  # 5.1.1.3: relu
        self.conv_3 = nn.Conv2d(
            64, 64, kernel_size=3, padding=1, bias=False
        )  # 5.1.1.4: conv 64 k=3 p=1 bias=false
        self.bn_3 = nn.BatchNorm2d(64)  # 5.1.1.5: bn
        self.relu_3 = nn.ReLU()  # 5.1.2: relu
        self.conv_4 = nn.Conv2d(
            64, 64, kernel_size=3, padding=1, bias=False
        )  # 5.2.1.1: conv 64 k=3 p=1 bias=false
        self.bn_4 = nn.BatchNorm2d(64)  # 5.2.1.2: bn
        self.relu_4 = nn.ReLU()  # 5.2.1.3: relu
        self.conv_5 = nn.Conv2d(
            64, 64, kernel_size=3, padding=1, bias=False
        )  # 5.2.1.4: conv 64 k=3 p=1 bias=false
        self.bn_5 = nn.BatchNorm2d(64)  # 5.2.1.5: bn
        self.relu_5 = nn.ReLU()  # 5.2.2: relu
        self.conv_6 = nn.Conv2d(
            64, 128, kernel_size=3, stride=2, padding=1, bias=False
        )  # 6.1.1.1: conv 128 k=3 s=2 p=1 bias=false
        self.bn_6 = nn.BatchNorm2d(128)  # 6.1.1.2: bn
        self.relu_6 = nn.ReLU()  # 6.1.1.3: relu
        self.conv_7 = nn.Conv2d(
            128, 128, kernel_size=3, padding=1, bias=False
        )  # 6.1.1.4: conv 128 k=3 p=1 bias=false
        self.bn_7 = nn.BatchNorm2d(128)  # 6.1.1.5: bn
        self.conv_8 = nn.Conv2d(
            64, 128, kernel_size=1, stride=2, bias=False
        )  # 6.1.1.6: conv 128 k=1 s=2 bias=false
        self.bn_8 = nn.BatchNorm2d(128)  # 6.1.1.7: bn
        self.relu_7 = nn.ReLU()  # 6.1.2: relu
        self.conv_9 = nn.Conv2d(
            128, 128, kernel_size=3, padding=1, bias=False
        )  # 6.2.1.1: conv 128 k=3 p=1 bias=false
        self.bn_9 = nn.BatchNorm2d(128)  # 6.2.1.2: bn
        self.relu_8 = nn.ReLU()  # 6.2.1.3: relu
        self.conv_10 = nn.Conv2d(
            128, 128, kernel_size=3, padding=1, bias=False
        )  # 6.2.1.4: conv 128 k=3 p=1 bias=false
        self.bn_10 = nn.BatchNorm2d(128)  # 6.2.1.5: bn
        self.relu_9 = nn.ReLU()  # 6.2.2: relu
        self.conv_11 = nn.Conv2d(
            128, 256, kernel_size=3, stride=2, padding=1, bias=False
        )  # 7.1.1.1: conv 256 k=3 s=2 p=1 bias=false
        self.bn_11 = nn.BatchNorm2d(256)  # 7.1.1.2: bn
        self.relu_10 = nn.ReLU()  # 7.1.1.3: relu
        self.conv_12 = nn.Conv2d(
            256, 256, kernel_size=3, padding=1, bias=False
        )  # 7.1.1.4: conv 256 k=3 p=1 bias=false
        self.bn_12 = nn.BatchNorm2d(256)  # 7.1.1.5: bn
        self.conv_13 = nn.Conv2d(
            128, 256, kernel_size=1, stride=2, bias=False
        )  # 7.1.1.6: conv 256 k=1 s=2 bias=false
        self.bn_13 = nn.BatchNorm2d(256)  # 7.1.1.7: bn
        self.relu_11 = nn.ReLU()  # 7.1.2: relu
        self.conv_14 = nn.Conv2d(
            256, 256, kernel_size=3, padding=1, bias=False
        )  # 7.2.1.1: conv 256 k=3 p=1 bias=false
        self.bn_14 = nn.BatchNorm2d(256)  # 7.2.1.2: bn
        self.relu_12 = nn.ReLU()  # 7.2.1.3: relu
        self.conv_15 = nn.Conv2d(
            256, 256, kernel_size=3, padding=1, bias=False
        )  # 7.2.1.4: conv 256 k=3 p=1 bias=false
        self.bn_15 = nn.BatchNorm2d(256)  # 7.2.1.5: bn
        self.relu_13 = nn.ReLU()  # 7.2.2: relu
        self.conv_16 = nn.Conv2d(
            256, 512, kernel_size=3, stride=2, padding=1, bias=False
        )  # 8.1.1.1: conv 512 k=3 s=2 p=1 bias=false
        self.bn_16 = nn.BatchNorm2d(512)  # 8.1.1.2: bn
        self.relu_14 = nn.ReLU()  # 8.1.1.3: relu
        self.conv_17 = nn.Conv2d(
            512, 512, kernel_size=3, padding=1, bias=False
        )  # 8.1.1.4: conv 512 k=3 p=1 bias=false
        self.bn_17 = nn.BatchNorm2d(512)  # 8.1.1.5: bn
        self.conv_18 = nn.Conv2d(
            256, 512, kernel_size=1, stride=2, bias=False
        )  # 8.1.1.6: conv 512 k=1 s=2 bias=false
        self.bn_18 = nn.BatchNorm2d(512)  # 8.1.1.7: bn
        self.relu_15 = nn.ReLU()  # 8.1.2: relu
        self.conv_19 = nn.Conv2d(
            512, 512, kernel_size=3, padding=1, bias=False
        )  # 8.2.1.1: conv 512 k=3 p=1 bias=false
        self.bn_19 = nn.BatchNorm2d(512)  # 8.2.1.2: bn
        self.relu_16 = nn.ReLU()  # 8.2.1.3: relu
        self.conv_20 = nn.Conv2d(
            512, 512, kernel_size=3, padding=1, bias=False
        )  # 8.2.1.4: conv 512 k=3 p=1 bias=false
        self.bn_20 = nn.BatchNorm2d(512)  # 8.2.1.5: bn
        self.relu_17 = nn.ReLU()  # 8.2.2: relu
        self.gap_1 = nn.AdaptiveAvgPool2d(1)  # 9: gap
        self.flatten_1 = nn.Flatten()  # 10: flatten
        self.fc_1 = nn.Linear(512, 1000)  # 11: fc 1000

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_1(x)
        x = self.bn_1(x)
        x = self.relu_1(x)
        x = self.maxpool_1(x)
        x1 = self.conv_2(x)
        x1 = self.bn_2(x1)
        x1 = self.relu_2(x1)
        x1 = self.conv_3(x1)
        x1 = self.bn_3(x1)
        x2 = x1 + x  # 5.1.1: add of 2 branches
        x2 = self.relu_3(x2)
        x3 = self.conv_4(x2)
        x3 = self.bn_4(x3)
        x3 = self.relu_4(x3)
        x3 = self.conv_5(x3)
        x3 = self.bn_5(x3)
        x4 = x3 + x2  # 5.2.1: add of 2 branches
        x4 = self.relu_5(x4)
        x5 = self.conv_6(x4)
        x5 = self.bn_6(x5)
        x5 = self.relu_6(x5)
        x5 = self.conv_7(x5)
        x5 = self.bn_7(x5)
        x6 = self.conv_8(x4)
        x6 = self.bn_8(x6)
        x7 = x5 + x6  # 6.1.1: add of 2 branches
        x7 = self.relu_7(x7)
        x8 = self.conv_9(x7)
        x8 = self.bn_9(x8)
        x8 = self.relu_8(x8)
        x8 = self.conv_10(x8)
        x8 = self.bn_10(x8)
        x9 = x8 + x7  # 6.2.1: add of 2 branches
        x9 = self.relu_9(x9)
        x10 = self.conv_11(x9)
        x10 = self.bn_11(x10)
        x10 = self.relu_10(x10)
        x10 = self.conv_12(x10)
        x10 = self.bn_12(x10)
        x11 = self.conv_13(x9)
        x11 = self.bn_13(x11)
        x12 = x10 + x11  # 7.1.1: add of 2 branches
        x12 = self.relu_11(x12)
        x13 = self.conv_14(x12)
        x13 = self.bn_14(x13)
        x13 = self.relu_12(x13)
        x13 = self.conv_15(x13)
        x13 = self.bn_15(x13)
        x14 = x13 + x12  # 7.2.1: add of 2 branches
        x14 = self.relu_13(x14)
        x15 = self.conv_16(x14)
        x15 = self.bn_16(x15)
        x15 = self.relu_14(x15)
        x15 = self.conv_17(x15)
        x15 = self.bn_17(x15)
        x16 = self.conv_18(x14)
        x16 = self.bn_18(x16)
        x17 = x15 + x16  # 8.1.1: add of 2 branches
        x17 = self.relu_15(x17)
        x18 = self.conv_19(x17)
        x18 = self.bn_19(x18)
        x18 = self.relu_16(x18)
        x18 = self.conv_20(x18)
        x18 = self.bn_20(x18)
        x19 = x18 + x17  # 8.2.1: add of 2 branches
        x19 = self.relu_17(x19)
        x19 = self.gap_1(x19)
        x19 = self.flatten_1(x19)
        x19 = self.fc_1(x19)
        return x19


if __name__ == "__main__":
    model = Resnet18().eval()
    with torch.no_grad():
        y = model(example_input)
    print("output", tuple(y.shape[1:]), "parameters", sum(p.numel() for p in model.parameters()))
